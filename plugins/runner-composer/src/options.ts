import { type Static, Type } from '@sinclair/typebox';

export const ComposerOptionsSchema = Type.Object(
  {
    projects: Type.Array(
      Type.String({
        pattern: '^/[^\\u0000\\n\\r]*$',
        description: 'Absolute project directory inside the container (a path ending in composer.json is accepted too)',
      }),
      {
        default: [],
        uniqueItems: true,
        description:
          'Absolute Composer project directories inside the container (each needs composer.json, composer.lock and an installed vendor directory)',
      },
    ),
    allow_major: Type.Boolean({
      default: false,
      description:
        "Also update beyond the constraints in composer.json (to the repository's latest): `composer require NAME:^VERSION`, which rewrites the constraint",
    }),
    no_dev: Type.Boolean({
      default: false,
      description:
        'The projects were installed with `composer install --no-dev`: check and apply pass --no-dev so require-dev packages stay out',
    }),
    scripts: Type.Boolean({
      default: false,
      description:
        "Run the project's own Composer scripts (post-update-cmd, post-autoload-dump …) during apply. Off: apply passes --no-scripts; check never runs them",
    }),
    plugins: Type.Boolean({
      default: false,
      description:
        "Load Composer plugins the project's allow-plugins config permits during apply (installers that move packages out of vendor/ need this). Off: apply passes --no-plugins; check never loads them",
    }),
  },
  { additionalProperties: false },
);
export type ComposerOptions = Static<typeof ComposerOptionsSchema>;
