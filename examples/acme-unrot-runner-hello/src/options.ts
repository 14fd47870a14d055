import { type Static, Type } from '@sinclair/typebox';

export const HelloOptionsSchema = Type.Object(
  {
    dir: Type.String({
      pattern: '^/[A-Za-z0-9_.@/-]*$',
      default: '/opt/hello',
      description: 'The app directory: releases/<x.y.z>/ side by side and the symlink current -> releases/<x.y.z>.',
    }),
  },
  { additionalProperties: false },
);
export type HelloOptions = Static<typeof HelloOptionsSchema>;
