#!/usr/bin/env bash
# The whole test suite: prerequisites, build, lint, typecheck, then every vitest project in
# order: unit (with the contract kit over every plugin), integration (root, network, real
# package managers), lxc (the real-LXC sandbox and drills). See docs/testing.md.
set -euo pipefail
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
cd "$(dirname "$0")/.."
bash scripts/install-prereqs.sh --tests
echo "==> lint"
npx biome check .
echo "==> typecheck"
npx turbo run typecheck --output-logs=errors-only
echo "==> tests"
npx vitest run "$@"
