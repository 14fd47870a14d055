#!/usr/bin/env bash
# The whole test suite: prerequisites, build, lint, typecheck, then every vitest test
# (unit, contract kit over every plugin, and the real-LXC sandbox drills).
set -euo pipefail
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
cd "$(dirname "$0")/.."
bash scripts/install-prereqs.sh
echo "==> lint"
npx biome check .
echo "==> typecheck"
npx turbo run typecheck --output-logs=errors-only
echo "==> tests"
npx vitest run "$@"
