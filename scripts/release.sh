#!/usr/bin/env bash
# Publishes every @unrot/* package whose version is not yet in the registry npm is configured
# for (NPM_CONFIG_REGISTRY or .npmrc), after a build of the tree as it is. Versions come from
# `npm run version-packages` (Changesets); extra arguments go to `changeset publish`
# (e.g. --no-git-tag, --tag next). See docs/releasing.md.
set -euo pipefail
cd "$(dirname "$0")/.."
# Not --force: turbo reuses a build only when its hash of the package's inputs (every file of the
# package git does not ignore, the lock file's entries, its dependencies' hashes, turbo.json) is
# the one that build was made from, and then puts those outputs back in dist/. So what is published
# is always built from the sources as they are now; a build made a minute earlier (CI's, or the
# maintainer's own) is not made again. docs/releasing.md says how to force one anyway.
npx turbo run build --output-logs=errors-only
# changeset publish takes the registry only from the lower-case npm_config_registry and
# npm_config_@unrot:registry variables, never from .npmrc or NPM_CONFIG_REGISTRY (it then checks and
# publishes against registry.npmjs.org): hand it what npm itself resolves from all of them.
registry="$(npm config get registry)"
scoped="$(npm config get @unrot:registry)"
[ "$scoped" = undefined ] && scoped="$registry"
env "npm_config_registry=$registry" "npm_config_@unrot:registry=$scoped" npx changeset publish "$@"
