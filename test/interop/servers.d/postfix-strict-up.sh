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
# shellcheck source=lib/postfix-instance.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/postfix-instance.sh"
umask 022
D=${D:-${MW_INTEROP_DIR:-/tmp/mw-interop}}
P_REJECT=${MW_PORT_POSTFIX_REJECT:-5526}
P_NORMALIZE=${MW_PORT_POSTFIX_NORMALIZE:-5527}
MAIL_USER=${MW_MAIL_USER:-nobody}
NAME=postfix-strict
say() { printf '[postfix-strict-up] %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }
postfix_instance_init
postconf -d smtpd_forbid_bare_newline >/dev/null 2>&1 || die "this Postfix has no smtpd_forbid_bare_newline (needs 3.7.10+)"
[ -s "$D/tls/server.crt" ] || die "no $D/tls/server.crt: run servers-up.sh"

postfix_instance_dirs

changed=0
put "$PF/main.cf" <<EOF2 && changed=1
$(postfix_instance_main_cf strict)
smtpd_client_port_logging = yes
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
$(postfix_instance_services tls)
EOF2

postfix_instance_run strict $changed "$P_REJECT" "$P_NORMALIZE"

put "$D/postfix-strict.env" <<EOF2 || true
# written by postfix-strict-up.sh
MW_PORT_POSTFIX_REJECT=$P_REJECT
MW_PORT_POSTFIX_NORMALIZE=$P_NORMALIZE
MW_MAILDIR_POSTFIX_STRICT=$D/mail/postfix-strict
MW_POSTFIX_STRICT_CONFIG=$PF
EOF2
say "up: 127.0.0.1:$P_REJECT (bare newline: reject), 127.0.0.1:$P_NORMALIZE (normalize); mail in $D/mail/postfix-strict/new/"
