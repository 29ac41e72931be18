#!/usr/bin/env bash
# oauth-down.sh - stop the submission Dovecot instance oauth-up.sh started (found by its own master.pid).
set -uo pipefail
D=${MW_INTEROP_DIR:-${D:-/tmp/mw-interop}}
RUN=$D/run/dovecot-oauth
rm -f "$D/oauth.env"
pid=$(tr -dc 0-9 2>/dev/null < "$RUN/master.pid")
if [ -n "$pid" ] && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = /usr/sbin/dovecot ]; then
  printf '[oauth-down] stopping dovecot (oauth, pid %s)\n' "$pid" >&2
  dovecot -c "$D/etc/dovecot-oauth/dovecot.conf" stop 2>/dev/null || start-stop-daemon --stop --quiet --pid "$pid" --exec /usr/sbin/dovecot --retry TERM/10/KILL/5 || exit 1
fi
exit 0
