#!/usr/bin/env bash
# proxies-down.sh - stop what proxies-up.sh started (by pid file and program). The mwproxy user stays
# (servers-down.sh --purge does not touch /etc/passwd; remove it with `userdel mwproxy` if wanted).
set -uo pipefail
D=${MW_INTEROP_DIR:-${D:-/tmp/mw-interop}}
rc=0
stop() { # NAME EXE
  local pidf=$D/run/$1.pid pid; pid=$(tr -dc 0-9 2>/dev/null < "$pidf")
  if [ -n "$pid" ] && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$2" ]; then
    printf '[proxies-down] stopping %s (pid %s)\n' "$1" "$pid" >&2
    start-stop-daemon --stop --quiet --pid "$pid" --exec "$2" --retry TERM/5/KILL/5 || rc=1
  fi
  rm -f "$pidf" "$D/run/$1.sum"
}
stop danted-noauth /usr/sbin/danted
stop danted-auth /usr/sbin/danted
stop tinyproxy /usr/bin/tinyproxy
stop tinyproxy-auth /usr/bin/tinyproxy
rm -f "$D/proxies.env"
exit $rc
