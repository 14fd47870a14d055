import { type Static, Type } from '@sinclair/typebox';

export const FlatpakOptionsSchema = Type.Object(
  {
    system: Type.Boolean({
      default: true,
      description: 'Update the system-wide installation (flatpak --system, /var/lib/flatpak)',
    }),
    users: Type.Array(Type.String({ pattern: '^[a-z_][a-z0-9_-]{0,31}$' }), {
      default: [],
      uniqueItems: true,
      description:
        "Users whose per-user installation (flatpak --user, ~/.local/share/flatpak) is updated too; `root` runs flatpak directly, any other user through `runuser -u USER --`, which needs the container's system D-Bus (flatpak asks it about parental controls for a non-root user)",
    }),
  },
  { additionalProperties: false },
);
export type FlatpakOptions = Static<typeof FlatpakOptionsSchema>;
