#!/usr/bin/env bash
# postfix-pipelining-up.sh - a private Postfix instance that is as strict about command pipelining as
# Postfix gets (run by servers-up.sh as root, with D=/tmp/mw-interop exported):
#   MW_PORT_POSTFIX_PIPELINING 5528  smtpd_forbid_unauth_pipelining = yes (the Postfix 3.9 default,
#                                    backported to 3.7.6), smtpd_data_restrictions = reject_unauth_pipelining
#   MW_PORT_POSTFIX_PIPELINING_DATA  5529  the same without CHUNKING (the DATA path)
# Used by test/interop/pipelining.test.ts: mailwire writes the next message's MAIL right behind the final
# dot (RFC 2920 allows it); a server that took that for an early talker would refuse those messages.
# No TLS, no AUTH. Every address is a local mailbox in $D/mail/postfix-pipelining/, and the default and
# relay transports are discard: nothing can leave the machine.
set -euo pipefail
umask 022
D=${D:-${MW_INTEROP_DIR:-/tmp/mw-interop}}
PORT=${MW_PORT_POSTFIX_PIPELINING:-5528}
PORT_DATA=${MW_PORT_POSTFIX_PIPELINING_DATA:-5529}
MAIL_USER=${MW_MAIL_USER:-nobody}
S=$D/postfix-pipelining
PF=$S/etc
say() { printf '[postfix-pipelining-up] %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root"
command -v postfix >/dev/null || die "postfix is not installed (servers-up.sh installs it)"
postconf -d smtpd_forbid_unauth_pipelining >/dev/null 2>&1 || die "this Postfix has no smtpd_forbid_unauth_pipelining"
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
install -d -m 755 -o "$MAIL_UID" -g "$MAIL_GID" "$D/mail" "$D"/mail/postfix-pipelining/{,new,cur,tmp}

changed=0
put "$PF/main.cf" <<EOF2 && changed=1
# written by postfix-pipelining-up.sh
compatibility_level = 3.6
queue_directory = $S/queue
data_directory = $S/data
meta_directory = /etc/postfix
maillog_file = $D/log/postfix-pipelining.log
maillog_file_prefixes = $D/log
myhostname = postfix-pipelining.localhost
smtpd_banner = \$myhostname ESMTP Postfix (mailwire interop, pipelining)
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
virtual_mailbox_maps = static:postfix-pipelining/
virtual_uid_maps = static:$MAIL_UID
virtual_gid_maps = static:$MAIL_GID
virtual_mailbox_limit = 0
default_transport = discard:
relay_transport = discard:
local_header_rewrite_clients =
smtpd_peername_lookup = no
in_flow_delay = 0
smtpd_error_sleep_time = 0
smtpd_client_connection_count_limit = 0
# The point of this instance: the strictest pipelining rules Postfix has.
smtpd_forbid_unauth_pipelining = yes
smtpd_data_restrictions = reject_unauth_pipelining
EOF2
put "$PF/master.cf" <<EOF2 && changed=1
# written by postfix-pipelining-up.sh; nothing is chrooted
127.0.0.1:$PORT inet n - n - - smtpd
  -o syslog_name=postfix-pipelining
127.0.0.1:$PORT_DATA inet n - n - - smtpd
  -o syslog_name=postfix-pipelining/data
  -o smtpd_discard_ehlo_keywords=chunking
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
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
  [ $changed = 0 ] || { say "config changed, reloading"; postfix -c "$PF" reload >>"$D/log/postfix-pipelining.stderr" 2>&1 || die "reload failed"; }
else
  for p in "$PORT" "$PORT_DATA"; do listening "$p" && die "127.0.0.1:$p is taken by another program"; done
  say "starting the pipelining Postfix instance"
  postfix -c "$PF" start </dev/null >>"$D/log/postfix-pipelining.stderr" 2>&1 || die "postfix did not start (see $D/log/postfix-pipelining.log)"
fi
for p in "$PORT" "$PORT_DATA"; do
  for _ in $(seq 100); do listening "$p" && break; sleep 0.1; done
  listening "$p" || die "127.0.0.1:$p does not answer (see $D/log/postfix-pipelining.log)"
done

put "$D/postfix-pipelining.env" <<EOF2 || true
# written by postfix-pipelining-up.sh
MW_PORT_POSTFIX_PIPELINING=$PORT
MW_PORT_POSTFIX_PIPELINING_DATA=$PORT_DATA
MW_MAILDIR_POSTFIX_PIPELINING=$D/mail/postfix-pipelining
EOF2
say "up: 127.0.0.1:$PORT (CHUNKING), 127.0.0.1:$PORT_DATA (no CHUNKING); mail in $D/mail/postfix-pipelining/new/"
