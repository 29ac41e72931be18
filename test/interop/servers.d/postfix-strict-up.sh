#!/usr/bin/env bash
# postfix-strict-up.sh - a second private Postfix instance for the audit's smuggling tests, beside the
# harness one (run by servers-up.sh as root, with D=/tmp/mw-interop exported). Same package, same
# certificate, its own config, queue, data directory, log and Maildir:
#   MW_PORT_POSTFIX_REJECT     5526  smtpd_forbid_bare_newline = reject     (a bare <LF> ends the session)
#   MW_PORT_POSTFIX_NORMALIZE  5527  smtpd_forbid_bare_newline = normalize  (<LF> taken as a line end,
#                                    but only <CR><LF>.<CR><LF> ends the data)
# Both offer STARTTLS (no AUTH). smtpd_forbid_bare_newline_exclusions is emptied: the default
# ($mynetworks) would exempt 127.0.0.1, i.e. every client here. Every address is a local mailbox in
# $D/mail/postfix-strict/, and default/relay transports are discard: nothing can leave the machine.
set -euo pipefail
umask 022
D=${D:-${MW_INTEROP_DIR:-/tmp/mw-interop}}
P_REJECT=${MW_PORT_POSTFIX_REJECT:-5526}
P_NORMALIZE=${MW_PORT_POSTFIX_NORMALIZE:-5527}
MAIL_USER=${MW_MAIL_USER:-nobody}
S=$D/postfix-strict
PF=$S/etc
say() { printf '[postfix-strict-up] %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root"
command -v postfix >/dev/null || die "postfix is not installed (servers-up.sh installs it)"
postconf -d smtpd_forbid_bare_newline >/dev/null 2>&1 || die "this Postfix has no smtpd_forbid_bare_newline (needs 3.7.10+)"
[ -s "$D/tls/server.crt" ] || die "no $D/tls/server.crt: run servers-up.sh"
MAIL_UID=$(id -u "$MAIL_USER") MAIL_GID=$(id -g "$MAIL_USER")

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# put FILE: store stdin in FILE unless it already holds exactly that; status 0 means "changed". The mtime
# is set in the past because Postfix stalls on a main.cf written in the current second.
put() { local tmp; tmp=$(mktemp "$1.XXXX"); cat > "$tmp"
  if cmp -s "$tmp" "$1"; then rm -f "$tmp"; return 1; fi
  chmod 644 "$tmp"; touch -d '-10 seconds' "$tmp"; mv -f "$tmp" "$1"; }

mkdir -p "$PF" "$D/log"
install -d -m 755 -o root -g root "$S/queue"
install -d -m 700 -o postfix -g postfix "$S/data"
install -d -m 755 -o "$MAIL_UID" -g "$MAIL_GID" "$D/mail" "$D"/mail/postfix-strict/{,new,cur,tmp}

changed=0
put "$PF/main.cf" <<EOF2 && changed=1
# written by postfix-strict-up.sh
compatibility_level = 3.6
queue_directory = $S/queue
data_directory = $S/data
meta_directory = /etc/postfix
maillog_file = $D/log/postfix-strict.log
maillog_file_prefixes = $D/log
myhostname = postfix-strict.localhost
smtpd_banner = \$myhostname ESMTP Postfix (mailwire interop, strict)
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
virtual_mailbox_maps = static:postfix-strict/
virtual_uid_maps = static:$MAIL_UID
virtual_gid_maps = static:$MAIL_GID
virtual_mailbox_limit = 0
# Belt and braces: whatever is not a virtual mailbox is thrown away, never sent on.
default_transport = discard:
relay_transport = discard:
local_header_rewrite_clients =
smtpd_peername_lookup = no
smtpd_client_port_logging = yes
in_flow_delay = 0
smtpd_error_sleep_time = 0
smtpd_tls_chain_files = $D/tls/server.key, $D/tls/server.crt
smtpd_tls_security_level = may
smtpd_tls_loglevel = 1
# The point of this instance: no client is exempt from the bare-newline rule.
smtpd_forbid_bare_newline_exclusions =
EOF2
put "$PF/master.cf" <<EOF2 && changed=1
# written by postfix-strict-up.sh; nothing is chrooted
127.0.0.1:$P_REJECT inet n - n - - smtpd
  -o syslog_name=postfix-strict/reject
  -o smtpd_forbid_bare_newline=reject
127.0.0.1:$P_NORMALIZE inet n - n - - smtpd
  -o syslog_name=postfix-strict/normalize
  -o smtpd_forbid_bare_newline=normalize
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
tlsmgr    unix - - n 1000? 1 tlsmgr
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
EOF2

if postfix -c "$PF" status >/dev/null 2>&1; then
  [ $changed = 0 ] || { say "config changed, reloading"; postfix -c "$PF" reload >>"$D/log/postfix-strict.stderr" 2>&1 || die "reload failed"; }
else
  for p in "$P_REJECT" "$P_NORMALIZE"; do listening "$p" && die "127.0.0.1:$p is taken by another program"; done
  say "starting the strict Postfix instance"
  postfix -c "$PF" start </dev/null >>"$D/log/postfix-strict.stderr" 2>&1 || die "postfix did not start (see $D/log/postfix-strict.log)"
fi
for p in "$P_REJECT" "$P_NORMALIZE"; do
  for _ in $(seq 100); do listening "$p" && break; sleep 0.1; done
  listening "$p" || die "127.0.0.1:$p does not answer (see $D/log/postfix-strict.log)"
done

put "$D/postfix-strict.env" <<EOF2 || true
# written by postfix-strict-up.sh
MW_PORT_POSTFIX_REJECT=$P_REJECT
MW_PORT_POSTFIX_NORMALIZE=$P_NORMALIZE
MW_MAILDIR_POSTFIX_STRICT=$D/mail/postfix-strict
MW_POSTFIX_STRICT_CONFIG=$PF
EOF2
say "up: 127.0.0.1:$P_REJECT (bare newline: reject), 127.0.0.1:$P_NORMALIZE (normalize); mail in $D/mail/postfix-strict/new/"
