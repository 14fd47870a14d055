#!/usr/bin/env bash
# Publishes every @unrot/* package whose version is not yet in the registry npm is configured
# for (NPM_CONFIG_REGISTRY or .npmrc), after a clean build. Versions come from
# `npm run version-packages` (Changesets); extra arguments go to `changeset publish`
# (e.g. --no-git-tag, --tag next). See docs/releasing.md.
set -euo pipefail
cd "$(dirname "$0")/.."
npx turbo run build --force --output-logs=errors-only
npx changeset publish "$@"
