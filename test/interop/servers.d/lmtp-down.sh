#!/usr/bin/env bash
# lmtp-down.sh - stop the LMTP Dovecot instance lmtp-up.sh started (found by its own master.pid).
set -uo pipefail
D=${MW_INTEROP_DIR:-${D:-/tmp/mw-interop}}
RUN=$D/run/dovecot-lmtp
rm -f "$D/lmtp.env"
pid=$(tr -dc 0-9 2>/dev/null < "$RUN/master.pid")
if [ -n "$pid" ] && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = /usr/sbin/dovecot ]; then
  printf '[lmtp-down] stopping dovecot (LMTP, pid %s)\n' "$pid" >&2
  dovecot -c "$D/etc/dovecot-lmtp/dovecot.conf" stop 2>/dev/null || start-stop-daemon --stop --quiet --pid "$pid" --exec /usr/sbin/dovecot --retry TERM/10/KILL/5 || exit 1
fi
exit 0
