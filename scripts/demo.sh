#!/usr/bin/env bash
# The main job, end to end on this machine: install prerequisites, build, bring up the sandbox
# (a Proxmox-like host of real LXC containers), then `unrot plan`, `unrot run`, and the report.
# Run as root on Debian 12/13. Re-running is fine: `up` is idempotent; a second run finds
# nothing to do. `packages/sandbox/bin/unrot-sandbox down` removes the sandbox.
set -euo pipefail
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
cd "$(dirname "$0")/.."
bash scripts/install-prereqs.sh

export PATH="$PWD/packages/sandbox/bin:$PATH"   # the pct/pvesh stand-ins come first
# unrot passes none of its own environment to pct/pvesh unless told; the stand-ins read UNROT_SANDBOX_*.
export UNROT_HOST_TOOL_ENV='UNROT_SANDBOX_*'
unrot() { node packages/cli/bin/run.js "$@"; }

echo "==> unrot-sandbox up"
unrot-sandbox up
CONFIG="$(unrot-sandbox status --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).configDir))')"

echo; echo "==> unrot validate --config $CONFIG"
unrot validate --config "$CONFIG"
echo; echo "==> unrot targets"
unrot targets --config "$CONFIG"
echo; echo "==> unrot plan"
unrot plan --config "$CONFIG"
echo; echo "==> unrot run"
set +e
unrot run --config "$CONFIG"
code=$?
set -e
echo; echo "==> unrot run exited $code; the report:"
state_dir="$(sed -n 's/^state_dir: *//p' "$CONFIG/global.yml")"
latest="$(ls -1d "$state_dir"/runs/*/ | tail -n 1)"
cat "$latest/report.json"
exit "$code"
