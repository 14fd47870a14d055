import { type Static, Type } from '@sinclair/typebox';

export const GemOptionsSchema = Type.Object(
  {
    projects: Type.Array(
      Type.String({
        pattern: '^/[^\\u0000\\n\\r]*$',
        description: 'Absolute Bundler project directory inside the container (a path ending in Gemfile is accepted too)',
      }),
      {
        default: [],
        uniqueItems: true,
        description:
          'Absolute Bundler project directories inside the container (each with Gemfile and Gemfile.lock; a path ending in Gemfile is accepted too). Updated with bundle update --conservative, always within the Gemfile requirements',
      },
    ),
    system: Type.Boolean({
      default: false,
      description:
        'Also update system gems installed with `gem install` into the gem directory (`gem env gemdir`); gems of Ruby itself or of Debian packages are withheld',
    }),
    allow_major: Type.Boolean({
      default: false,
      description:
        'System gems only: also move to a new major version (first version segment). Bundler projects always stay within the Gemfile requirements',
    }),
  },
  { additionalProperties: false },
);
export type GemOptions = Static<typeof GemOptionsSchema>;
