#!/usr/bin/env bash
# Publishes every @unrot/* package whose version is not yet in the registry npm is configured
# for (NPM_CONFIG_REGISTRY or .npmrc), after a clean build. Versions come from
# `npm run version-packages` (Changesets); extra arguments go to `changeset publish`
# (e.g. --no-git-tag, --tag next). See docs/releasing.md.
set -euo pipefail
cd "$(dirname "$0")/.."
npx turbo run build --force --output-logs=errors-only
# changeset publish takes the registry only from the lower-case npm_config_registry and
# npm_config_@unrot:registry variables, never from .npmrc or NPM_CONFIG_REGISTRY (it then checks and
# publishes against registry.npmjs.org): hand it what npm itself resolves from all of them.
registry="$(npm config get registry)"
scoped="$(npm config get @unrot:registry)"
[ "$scoped" = undefined ] && scoped="$registry"
env "npm_config_registry=$registry" "npm_config_@unrot:registry=$scoped" npx changeset publish "$@"
