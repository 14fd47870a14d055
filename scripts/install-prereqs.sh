#!/usr/bin/env bash
# Installs what unrot's build, tests and sandbox need on a Debian 12/13 machine (as root).
# Idempotent: apt runs only when a package is missing, npm ci only when node_modules is absent
# or older than package-lock.json.
set -euo pipefail
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
cd "$(dirname "$0")/.."

APT_PACKAGES=(lxc debootstrap uidmap rsync btrfs-progs dpkg-dev apt-utils python3-venv python3-pip zstd iproute2 busybox-static)
# The OS runners' real tools and the repo builders of the sandbox's dnf/pacman containers, the app
# runners' real tools (composer, gem/bundle, go), and sudo for the least-privilege drill: only the
# test suite needs them (`--tests`), so the demo stays small.
if [ "${1:-}" = "--tests" ]; then
  APT_PACKAGES+=(dnf rpm createrepo-c pacman-package-manager makepkg libarchive-tools fakeroot sudo)
  APT_PACKAGES+=(composer php-cli php-zip unzip ruby ruby-bundler golang-go flatpak ostree dbus-daemon)
  # runner-docker's integration test starts its own dockerd and registries in a network namespace
  # of their own; the packages' own docker.service must never touch this host's networking.
  APT_PACKAGES+=(docker.io docker-registry docker-compose)
  # The cluster drills' nodes are network namespaces, each with its own sshd (docs/sandbox.md "Cluster").
  APT_PACKAGES+=(openssh-server)
fi
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "unrot: these Debian packages are needed, run as root: ${missing[*]}" >&2
    exit 1
  fi
  echo "==> apt-get install ${missing[*]}"
  if [[ " ${missing[*]} " == *" docker.io "* ]] && [ ! -e /etc/docker/daemon.json ]; then
    # Before the package's postinst starts dockerd: no iptables rules, no docker0 bridge.
    mkdir -p /etc/docker
    echo '{"iptables": false, "ip6tables": false, "bridge": "none"}' > /etc/docker/daemon.json
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [[ " ${missing[*]} " == *" docker.io "* ]] && command -v systemctl >/dev/null; then
    # The tests start their own dockerd; a system one is not needed and stays off.
    systemctl disable --now docker.service docker.socket docker-registry.service >/dev/null 2>&1 || true
  fi
  if [[ " ${missing[*]} " == *" openssh-server "* ]] && command -v systemctl >/dev/null; then
    # Installed here only for the tests' own per-namespace sshds: the system one stays off.
    systemctl disable --now ssh.service ssh.socket >/dev/null 2>&1 || true
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  echo "==> npm ci"
  npm ci --no-audit --no-fund
  touch node_modules
fi

echo "==> build"
npx turbo run build --output-logs=errors-only
