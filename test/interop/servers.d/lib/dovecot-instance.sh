# dovecot-instance.sh - write a private Dovecot instance's config and start it, or reload it when the
# config changed. Sourced, not run; uses the caller's say and die.
#
# dovecot_up NAME CONF_FILE CONF_TEXT RUN_DIR PORT LOG: NAME is for messages; PORT must answer on 127.0.0.1
# before it returns (up to 5 s), and must not be taken by another program when the instance is not running.
dovecot_up() {
  local name=$1 conf=$2 text=$3 run=$4 port=$5 log=$6 changed=0 pid
  if [ "$(cat "$conf" 2>/dev/null)" != "$text" ]; then printf '%s\n' "$text" > "$conf"; changed=1; fi
  pid=$(tr -dc 0-9 2>/dev/null < "$run/master.pid" || true)
  if [ -n "$pid" ] && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = /usr/sbin/dovecot ]; then
    [ $changed = 0 ] || { say "config changed, reloading"; dovecot -c "$conf" reload || die "dovecot ($name) reload failed"; }
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && die "127.0.0.1:$port is taken by another program"
    say "starting dovecot ($name)"
    dovecot -c "$conf" </dev/null >>"$log" 2>&1 || die "dovecot ($name) did not start (see $log)"
  fi
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0; sleep 0.1; done
  die "dovecot ($name) does not answer on 127.0.0.1:$port (see $log)"
}
