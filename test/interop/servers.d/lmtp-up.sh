#!/usr/bin/env bash
# lmtp-up.sh - Dovecot's LMTP server for test/interop/lmtp.test.ts, as a private Dovecot instance beside
# the SASL-only one servers-up.sh runs (its own instance_name, base_dir, config and logs under $D).
#
#   MW_LMTP_PORT    5724                          LMTP on 127.0.0.1
#   MW_LMTP_SOCKET  $D/run/dovecot-lmtp/lmtp      LMTP on a Unix socket
#   one user:       mwuser (any domain: auth_username_format strips it), mail to the Maildir
#                   $D/mail/lmtp/mwuser (new/ holds one file per delivered copy). Every other
#                   recipient is refused at RCPT (550 5.1.1 ... User doesn't exist).
#
# It delivers only to that Maildir: no lmtp_proxy, no submission relay, no sieve, so it never connects
# or resolves anywhere. dovecot-lmtpd is installed under a policy-rc.d (no system service starts).
set -euo pipefail
# shellcheck source=lib/apt-install.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/apt-install.sh"
# shellcheck source=lib/dovecot-instance.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/dovecot-instance.sh"
umask 022
: "${D:?D must be set (servers-up.sh exports it)}"
P_LMTP=${MW_LMTP_PORT:-5724}
MAIL_USER=${MW_MAIL_USER:-nobody}
LMTP_USER=mwuser
DL=$D/etc/dovecot-lmtp
RUN=$D/run/dovecot-lmtp
say() { printf '[lmtp-up] %s\n' "$*" >&2; }
die() { printf '[lmtp-up] ERROR: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root"

install_without_services dovecot.service dovecot-lmtpd

MAIL_UID=$(id -u "$MAIL_USER") MAIL_GID=$(id -g "$MAIL_USER")
mkdir -p "$DL" "$D/log" "$D/var/dovecot-lmtp"
install -d -m 755 -o root -g root "$RUN"
install -d -m 755 -o "$MAIL_UID" -g "$MAIL_GID" "$D/mail/lmtp" "$D/mail/lmtp/$LMTP_USER"

# passwd-file: user:password:uid:gid:gecos:home:shell:extra (no password is ever checked: LMTP has no AUTH here)
cat > "$DL/users" <<USERS
$LMTP_USER:{PLAIN}unused-no-login:$MAIL_UID:$MAIL_GID::$D/mail/lmtp/$LMTP_USER::
USERS
chown root:dovecot "$DL/users" && chmod 640 "$DL/users"
new_conf=$(cat <<CONF
# written by lmtp-up.sh
instance_name = mw-lmtp
base_dir = $RUN
state_dir = $D/var/dovecot-lmtp
log_path = $D/log/dovecot-lmtp.log
protocols = lmtp
listen = 127.0.0.1
ssl = no
postmaster_address = postmaster@localhost
hostname = lmtp.test
# "mwuser@anything" is the user mwuser.
auth_username_format = %Ln
mail_location = maildir:~
mail_fsync = never
passdb {
  driver = passwd-file
  args = $DL/users
}
userdb {
  driver = passwd-file
  args = $DL/users
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $P_LMTP
  }
  unix_listener lmtp {
    mode = 0666
  }
}
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
CONF
)
dovecot_up lmtp "$DL/dovecot.conf" "$new_conf" "$RUN" "$P_LMTP" "$D/log/dovecot-lmtp.log"
for _ in $(seq 50); do [ -S "$RUN/lmtp" ] && break; sleep 0.1; done
[ -S "$RUN/lmtp" ] || die "the LMTP socket $RUN/lmtp is missing (see $D/log/dovecot-lmtp.log)"

cat > "$D/lmtp.env" <<ENV
# written by lmtp-up.sh
MW_LMTP_PORT=$P_LMTP
MW_LMTP_SOCKET=$RUN/lmtp
MW_LMTP_USER=$LMTP_USER
MW_LMTP_MAILDIR=$D/mail/lmtp/$LMTP_USER
ENV
say "LMTP on 127.0.0.1:$P_LMTP and $RUN/lmtp"
