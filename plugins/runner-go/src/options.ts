import { type Static, Type } from '@sinclair/typebox';
import { COMMAND_NAME_PATTERN } from '@unrot/sdk';

/** Options of the go runner (`runners: { go: { … } }` in a container policy); docs/runners/go.md. */
export const GoOptionsSchema = Type.Object(
  {
    binaries: Type.Array(
      Type.String({ pattern: '^/', maxLength: 4096, description: 'an absolute path of a binary or a directory inside the container' }),
      {
        default: [],
        description:
          'absolute paths of binaries installed with go install, or directories holding them (searched recursively, as go version -m does); empty: the directory go install writes to, GOBIN or else the first GOPATH entry + /bin, as `go env` says',
      },
    ),
    allow_major: Type.Boolean({
      default: false,
      description:
        'also move to the next major version, which in Go is another module path (example.com/tool/v2): installs that path over the same binary; false reports it as withheld',
    }),
    go: Type.String({
      pattern: COMMAND_NAME_PATTERN,
      default: 'go',
      description: 'the go command inside the container (a name on PATH or an absolute path, e.g. /usr/local/go/bin/go)',
    }),
    install_timeout_s: Type.Integer({
      minimum: 1,
      maximum: 7200,
      default: 900,
      description: 'seconds one go install (download and compile) may take before it is killed',
    }),
  },
  { additionalProperties: false, default: {} },
);
export type GoOptions = Static<typeof GoOptionsSchema>;
