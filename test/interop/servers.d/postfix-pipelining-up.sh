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
# shellcheck source=lib/postfix-instance.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/postfix-instance.sh"
umask 022
D=${D:-${MW_INTEROP_DIR:-/tmp/mw-interop}}
PORT=${MW_PORT_POSTFIX_PIPELINING:-5528}
PORT_DATA=${MW_PORT_POSTFIX_PIPELINING_DATA:-5529}
MAIL_USER=${MW_MAIL_USER:-nobody}
NAME=postfix-pipelining
say() { printf '[postfix-pipelining-up] %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }
postfix_instance_init
postconf -d smtpd_forbid_unauth_pipelining >/dev/null 2>&1 || die "this Postfix has no smtpd_forbid_unauth_pipelining"

postfix_instance_dirs

changed=0
put "$PF/main.cf" <<EOF2 && changed=1
$(postfix_instance_main_cf pipelining)
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
$(postfix_instance_services)
EOF2

postfix_instance_run pipelining $changed "$PORT" "$PORT_DATA"

put "$D/postfix-pipelining.env" <<EOF2 || true
# written by postfix-pipelining-up.sh
MW_PORT_POSTFIX_PIPELINING=$PORT
MW_PORT_POSTFIX_PIPELINING_DATA=$PORT_DATA
MW_MAILDIR_POSTFIX_PIPELINING=$D/mail/postfix-pipelining
EOF2
say "up: 127.0.0.1:$PORT (CHUNKING), 127.0.0.1:$PORT_DATA (no CHUNKING); mail in $D/mail/postfix-pipelining/new/"
