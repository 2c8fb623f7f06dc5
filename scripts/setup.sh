#!/usr/bin/env bash
# Makes a fresh Debian/Ubuntu checkout ready to run: checks Node, installs the missing OS packages
# (apt, one line saying which) and the npm dependencies (npm ci, which also builds). Idempotent: a second
# run installs nothing. The README's "Try it" and test commands and .ci/run all start with it, so this is
# the one list of the packages wanpilot, its demo and its tests need.
#   scripts/setup.sh           install what is missing
#   scripts/setup.sh --check   only say what is missing (exit 1 if anything is)
set -euo pipefail
cd "$(dirname "$0")/.."
check_only=false
[[ ${1:-} == --check ]] && check_only=true

# command → Debian/Ubuntu package that provides it (the one list; add new test tools here)
declare -A NEED=(
  [ip]=iproute2 [nft]=nftables [conntrack]=conntrack [ping]=iputils-ping [sysctl]=procps
  [mosquitto]=mosquitto [mosquitto_sub]=mosquitto-clients [mosquitto_passwd]=mosquitto [python3]=python3
  [g++]=g++ [make]=make [systemd-analyze]=systemd [promtool]=prometheus [chromium]=chromium
)

say() { echo "setup: $*"; }

# Node: the versions package.json's engines allow (20.19+ or 22+).
if ! command -v node >/dev/null 2>&1; then
  say "Node.js is not installed. wanpilot needs Node 20.19+ or 22+; get one from https://nodejs.org," \
    "https://github.com/nodesource/distributions (apt) or nvm (nvm install 20)." >&2
  exit 1
fi
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit((a===20&&b>=19)||a>=22?0:1)'; then
  say "Node $(node --version) is not supported: wanpilot needs Node 20.19+ or 22+ (Debian 12 and Ubuntu 24.04" \
    "ship 18). Get one from https://github.com/nodesource/distributions or with nvm (nvm install 20)." >&2
  exit 1
fi

missing=()
for cmd in "${!NEED[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || [[ -x "/usr/sbin/$cmd" || -x "/sbin/$cmd" ]] || missing+=("${NEED[$cmd]}")
done
if ((${#missing[@]})); then
  pkgs=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
  if $check_only; then
    say "missing Debian packages: ${pkgs}"
    exit 1
  fi
  if [[ $(id -u) -ne 0 ]]; then
    say "missing Debian packages: ${pkgs}; run this as root (sudo) to install them" >&2
    exit 1
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    say "missing packages (Debian names): ${pkgs}; install them with your distribution's package manager" >&2
    exit 1
  fi
  say "installing with apt-get: ${pkgs}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086 # one word per package
  apt-get install -y -qq --no-install-recommends ${pkgs} >/dev/null
  # Debian enables mosquitto as a service on install; wanpilot's tests start their own brokers on free ports.
  if [[ " ${pkgs} " == *" mosquitto "* ]]; then systemctl disable --now mosquitto >/dev/null 2>&1 || true; fi
  # Only promtool (`promtool check metrics` in the observer's tests) is used, never the Prometheus server.
  if [[ " ${pkgs} " == *" prometheus "* ]]; then systemctl disable --now prometheus >/dev/null 2>&1 || true; fi
fi

# npm dependencies: `npm ci` when node_modules is missing or does not match package.json (it builds through
# `prepare`); otherwise only the incremental build, so a working checkout is not wiped and reinstalled.
if [[ ! -d node_modules ]] || ! npm ls --all >/dev/null 2>&1; then
  if $check_only; then
    say "npm dependencies missing or out of date (npm ci)"
    exit 1
  fi
  say "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
elif $check_only; then
  say "nothing missing"
else
  npm run --silent build
fi
