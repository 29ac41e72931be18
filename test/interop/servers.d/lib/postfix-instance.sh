# postfix-instance.sh - what every private Postfix instance in servers.d/ shares (postfix-strict,
# postfix-pipelining): the directories, the main.cf lines that keep it local, the internal services of
# master.cf, and start-or-reload-then-wait. Sourced, not run; the instance keeps only its own ports and
# the settings that are its point. servers-up.sh keeps its own copy (that file is not edited from here).
#
# The caller sets D, NAME (e.g. postfix-strict) and MAIL_USER, defines say/die, then calls
# postfix_instance_init, which sets S, PF, MAIL_UID and MAIL_GID. Every file lives under $S,
# $D/log/$NAME.* and $D/mail/$NAME/.

# Refuses to go on unless root with Postfix installed; names the instance's directories and mail owner.
postfix_instance_init() {
  [ "$(id -u)" = 0 ] || die "run as root"
  command -v postfix >/dev/null || die "postfix is not installed (servers-up.sh installs it)"
  S=$D/$NAME
  PF=$S/etc
  MAIL_UID=$(id -u "$MAIL_USER")
  MAIL_GID=$(id -g "$MAIL_USER")
}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# put FILE: store stdin in FILE unless it already holds exactly that; status 0 means "changed". The mtime
# is set in the past because Postfix stalls on a main.cf written in the current second.
put() { local tmp; tmp=$(mktemp "$1.XXXX"); cat > "$tmp"
  if cmp -s "$tmp" "$1"; then rm -f "$tmp"; return 1; fi
  chmod 644 "$tmp"; touch -d '-10 seconds' "$tmp"; mv -f "$tmp" "$1"; }

# Config, queue (root), data (postfix) and the Maildir every address is delivered to.
postfix_instance_dirs() {
  mkdir -p "$PF" "$D/log"
  install -d -m 755 -o root -g root "$S/queue"
  install -d -m 700 -o postfix -g postfix "$S/data"
  install -d -m 755 -o "$MAIL_UID" -g "$MAIL_GID" "$D/mail" "$D/mail/$NAME"/{,new,cur,tmp}
}

# The start of main.cf (LABEL goes in the banner): loopback only, no DNS, no delays, every address a
# mailbox in $D/mail/$NAME/, and default and relay transports discard: nothing can leave the machine.
postfix_instance_main_cf() {
  cat <<EOF
# written by $NAME-up.sh
compatibility_level = 3.6
queue_directory = $S/queue
data_directory = $S/data
meta_directory = /etc/postfix
maillog_file = $D/log/$NAME.log
maillog_file_prefixes = $D/log
myhostname = $NAME.localhost
smtpd_banner = \$myhostname ESMTP Postfix (mailwire interop, $1)
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
biff = no
mydestination =
local_recipient_maps =
alias_maps =
relay_domains =
virtual_mailbox_domains = static:all
virtual_mailbox_base = $D/mail
virtual_mailbox_maps = static:$NAME/
virtual_uid_maps = static:$MAIL_UID
virtual_gid_maps = static:$MAIL_GID
virtual_mailbox_limit = 0
# Belt and braces: whatever is not a virtual mailbox is thrown away, never sent on.
default_transport = discard:
relay_transport = discard:
local_header_rewrite_clients =
smtpd_peername_lookup = no
in_flow_delay = 0
smtpd_error_sleep_time = 0
EOF
}

# The internal services of master.cf (nothing chrooted); `postfix_instance_services tls` adds tlsmgr.
postfix_instance_services() {
  echo 'cleanup   unix n - n - 0 cleanup'
  echo 'qmgr      unix n - n 300 1 qmgr'
  if [ "${1:-}" = tls ]; then echo 'tlsmgr    unix - - n 1000? 1 tlsmgr'; fi
  cat <<'EOF'
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
verify    unix - - n - 1 verify
flush     unix n - n 1000? 0 flush
proxymap  unix - - n - - proxymap
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
virtual   unix - n n - - virtual
anvil     unix - - n - 1 anvil
showq     unix n - n - - showq
postlog   unix-dgram n - n - 1 postlogd
EOF
}

# postfix_instance_run LABEL CHANGED PORT...: reload a running instance whose config CHANGED (1), or start
# it (refusing ports another program holds), then wait until every PORT answers.
postfix_instance_run() {
  local label=$1 changed=$2 p; shift 2
  if postfix -c "$PF" status >/dev/null 2>&1; then
    [ "$changed" = 0 ] || { say "config changed, reloading"; postfix -c "$PF" reload >>"$D/log/$NAME.stderr" 2>&1 || die "reload failed"; }
  else
    for p in "$@"; do listening "$p" && die "127.0.0.1:$p is taken by another program"; done
    say "starting the $label Postfix instance"
    postfix -c "$PF" start </dev/null >>"$D/log/$NAME.stderr" 2>&1 || die "postfix did not start (see $D/log/$NAME.log)"
  fi
  for p in "$@"; do
    for _ in $(seq 100); do listening "$p" && break; sleep 0.1; done
    listening "$p" || die "127.0.0.1:$p does not answer (see $D/log/$NAME.log)"
  done
}
