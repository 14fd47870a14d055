import { type Static, Type } from '@sinclair/typebox';

/** An absolute path without `..`, spaces or shell characters: it is put into argv as is. */
const containerPath = (description: string) =>
  Type.String({ pattern: '^/(?!.*(^|/)\\.\\.(/|$))[A-Za-z0-9._+@/-]*$', maxLength: 4096, description });

export const PipOptionsSchema = Type.Object(
  {
    venvs: Type.Array(containerPath('an absolute virtual environment path inside the container'), {
      default: [],
      description: 'absolute paths of virtual environments inside the container; each is updated with <venv>/bin/python -m pip',
    }),
    system: Type.Boolean({
      default: false,
      description: "also update the system interpreter's packages (python3 -m pip); refused by PEP 668 unless break_system_packages",
    }),
    break_system_packages: Type.Boolean({
      default: false,
      description:
        'pass --break-system-packages to the system pip; without it an EXTERNALLY-MANAGED system is only reported, never changed',
    }),
    pipx: Type.Boolean({
      default: false,
      description: 'also upgrade pipx-managed applications when pipx is present (pipx upgrade NAME)',
    }),
    constraints: Type.Optional(
      containerPath('a pip constraints file inside the container, used by check and apply (-c FILE) so its pins hold'),
    ),
    allow_major: Type.Boolean({
      default: false,
      description: 'allow upgrades that raise the first release number (1.x to 2.x); otherwise the newest release below it is taken',
    }),
  },
  { additionalProperties: false },
);

export type PipOptions = Static<typeof PipOptionsSchema>;
