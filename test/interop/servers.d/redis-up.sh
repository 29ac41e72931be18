#!/usr/bin/env bash
# redis-up.sh - install Debian's redis-server for @mailwire/bullmq's tests, and start NOTHING.
# The tests start their own redis-server on 127.0.0.1, on a free port, under a temp dir
# (--save '' --appendonly no), and stop it; a system Redis on 6379 would only be something to clean up.
# Run as root. Idempotent: does nothing when the package is already installed.
set -euo pipefail
say() { printf '[redis-up] %s\n' "$*" >&2; }

if [ "$(dpkg-query -W -f='${Status}' redis-server 2>/dev/null)" = "install ok installed" ]; then
  say "redis-server $(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p') already installed"
  exit 0
fi
[ "$(id -u)" = 0 ] || { say "run as root to install redis-server"; exit 1; }
export DEBIAN_FRONTEND=noninteractive
# Checked before installing: apt must remove nothing.
if apt-get -s install -y redis-server 2>/dev/null | grep -q '^Remv'; then
  say "installing redis-server would remove packages; refusing"; exit 1
fi
# policy-rc.d answering 101 keeps the package's postinst from starting the system service on 6379.
policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
  policy=/usr/sbin/policy-rc.d
  printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy"
  trap 'rm -f "$policy"' EXIT
fi
apt-get install -y -q --no-install-recommends redis-server >/dev/null 2>&1 \
  || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q --no-install-recommends redis-server >/dev/null; }
if [ -d /run/systemd/system ]; then systemctl disable --now redis-server.service >/dev/null 2>&1 || true; fi
say "installed $(redis-server --version)"
