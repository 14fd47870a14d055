import { type Static, Type } from '@sinclair/typebox';

export const NpmOptionsSchema = Type.Object(
  {
    projects: Type.Array(
      Type.String({
        pattern: '^/[^\\u0000\\n\\r]*$',
        description: 'Absolute project directories inside the container (a path ending in package.json is accepted too)',
      }),
      {
        default: [],
        uniqueItems: true,
        description: 'absolute project directories inside the container (a path ending in package.json is accepted too)',
      },
    ),
    allow_major: Type.Boolean({
      default: false,
      description: 'Also update beyond the declared semver range (to latest); the range in package.json is rewritten to ^VERSION',
    }),
    global: Type.Boolean({ default: false, description: 'Also update packages installed with `npm -g`' }),
    production: Type.Boolean({
      default: false,
      description:
        'The projects were installed without devDependencies (npm ci --omit=dev, yarn --production, pnpm --prod): updates keep them out and devDependencies are withheld',
    }),
  },
  { additionalProperties: false },
);
export type NpmOptions = Static<typeof NpmOptionsSchema>;
