#!/usr/bin/env bash
# servers-down.sh - stop what servers-up.sh started, and nothing else: each process is found through
# the pid file of its own instance under $MW_INTEROP_DIR and checked to run the expected program.
#   bash test/interop/servers-down.sh           stop; keep certificates, config, mail and logs
#   bash test/interop/servers-down.sh --purge   stop, then delete $MW_INTEROP_DIR entirely
set -uo pipefail
D=${MW_INTEROP_DIR:-/tmp/mw-interop}
PF=$D/etc/postfix
say() { printf '[servers-down] %s\n' "$*" >&2; }
[ "$(id -u)" = 0 ] || { say "run as root"; exit 1; }
[ -d "$D" ] || { say "nothing to do: $D does not exist"; exit 0; }
rc=0

# The tests take a missing servers.json to mean "not up".
rm -f "$D/servers.json" "$D/ports.env"

# stop NAME PIDFILE EXE: TERM the process in PIDFILE if it runs EXE (KILL if it lingers)
stop() {
  local pid; pid=$(tr -dc 0-9 2>/dev/null < "$2")
  if [ -n "$pid" ] && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$3" ]; then
    say "stopping $1 (pid $pid)"
    start-stop-daemon --stop --quiet --pid "$pid" --exec "$3" --retry TERM/10/KILL/5 || { say "could not stop $1"; rc=1; }
  else
    say "$1 is not running"
  fi
}
stop aiosmtpd "$D/run/aiosmtpd.pid" "$(readlink -f /usr/bin/python3)"
stop smtp-sink "$D/run/smtp-sink.pid" /usr/sbin/smtp-sink
rm -f "$D/run/aiosmtpd.pid" "$D/run/smtp-sink.pid" "$D/run/aiosmtpd.fp" "$D/run/smtp-sink.fp"

# `postfix stop` waits for its master process to exit.
if [ -f "$PF/main.cf" ] && postfix -c "$PF" status >/dev/null 2>&1; then
  say "stopping postfix"
  postfix -c "$PF" stop >/dev/null 2>&1 || { say "could not stop postfix"; rc=1; }
else
  say "postfix is not running"
fi
stop dovecot "$D/run/dovecot/master.pid" /usr/sbin/dovecot

for extra in "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"/servers.d/*-down.sh; do
  [ -e "$extra" ] || continue
  MW_INTEROP_DIR=$D bash "$extra" || rc=1
done

if [ "${1:-}" = --purge ]; then
  if [ $rc = 0 ]; then say "deleting $D"; rm -rf "${D:?}"; else say "not deleting $D: something is still running"; fi
fi
exit $rc
