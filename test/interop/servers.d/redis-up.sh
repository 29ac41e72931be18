#!/usr/bin/env bash
# redis-up.sh - install Debian's redis-server for @mailwire/bullmq's tests, and start NOTHING.
# The tests start their own redis-server on 127.0.0.1, on a free port, under a temp dir
# (--save '' --appendonly no), and stop it; a system Redis on 6379 would only be something to clean up.
# Run as root. Idempotent: does nothing when the package is already installed.
set -euo pipefail
say() { printf '[redis-up] %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }
# shellcheck source=lib/apt-install.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/apt-install.sh"

if [ "$(dpkg-query -W -f='${Status}' redis-server 2>/dev/null)" = "install ok installed" ]; then
  say "redis-server $(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p') already installed"
  exit 0
fi
[ "$(id -u)" = 0 ] || die "run as root to install redis-server"
# policy-rc.d (in the helper) keeps the package's postinst from starting the system service on 6379.
install_without_services redis-server.service redis-server
say "installed $(redis-server --version)"
