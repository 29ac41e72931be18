#!/usr/bin/env bash
# oauth-up.sh - Dovecot's submission server with OAUTHBEARER and XOAUTH2 for test/interop/oauth.test.ts,
# as a private Dovecot instance (its own instance_name, base_dir, config and logs under $D).
#
#   MW_OAUTH_PORT     5726    SMTP submission on 127.0.0.1, plaintext (loopback: bearer tokens allowed)
#   MW_OAUTH_KEY      base64  the HS256 key Dovecot validates tokens with (oauth2 passdb, local validation)
#   tokens:           JWTs signed with that key; Dovecot checks signature and exp, the user is "sub"
#
# Accepted mail is relayed to the interop Postfix on 127.0.0.1:5525 (which stores everything in its
# Maildir): Dovecot connects nowhere else and resolves nothing (no tokeninfo or introspection URL).
set -euo pipefail
# shellcheck source=lib/apt-install.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/apt-install.sh"
# shellcheck source=lib/dovecot-instance.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/dovecot-instance.sh"
umask 022
: "${D:?D must be set (servers-up.sh exports it)}"
P_OAUTH=${MW_OAUTH_PORT:-5726}
P_RELAY=${MW_PORT_POSTFIX:-5525}
MAIL_USER=${MW_MAIL_USER:-nobody}
DL=$D/etc/dovecot-oauth
RUN=$D/run/dovecot-oauth
say() { printf '[oauth-up] %s\n' "$*" >&2; }
die() { printf '[oauth-up] ERROR: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root"

install_without_services dovecot.service dovecot-submissiond

MAIL_UID=$(id -u "$MAIL_USER") MAIL_GID=$(id -g "$MAIL_USER")
mkdir -p "$DL" "$D/log" "$D/var/dovecot-oauth"
install -d -m 755 -o root -g root "$RUN"
install -d -m 755 -o "$MAIL_UID" -g "$MAIL_GID" "$D/mail/oauth-home"

# The HS256 key: made once, kept across restarts so a running test keeps its tokens valid.
# Dovecot looks it up as /shared/<azp>/<alg>/<kid> in the dict; fs:posix maps that below keys/.
if [ ! -s "$DL/key.b64" ]; then head -c 32 /dev/urandom | base64 -w0 > "$DL/key.b64"; fi
install -d -m 755 "$DL/keys/default/HS256"
install -m 644 "$DL/key.b64" "$DL/keys/default/HS256/default"

cat > "$DL/oauth2.conf.ext" <<OAUTH
introspection_mode = local
local_validation_key_dict = fs:posix:prefix=$DL/keys/
username_attribute = sub
username_format = %Lu
OAUTH

new_conf=$(cat <<CONF
# written by oauth-up.sh
instance_name = mw-oauth
base_dir = $RUN
state_dir = $D/var/dovecot-oauth
log_path = $D/log/dovecot-oauth.log
protocols = submission
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = oauthbearer xoauth2
hostname = oauth.test
postmaster_address = postmaster@localhost
submission_relay_host = 127.0.0.1
submission_relay_port = $P_RELAY
submission_relay_trusted = yes
submission_relay_ssl = no
mail_location = maildir:~/Maildir
passdb {
  driver = oauth2
  mechanisms = oauthbearer xoauth2
  args = $DL/oauth2.conf.ext
}
userdb {
  driver = static
  args = uid=$MAIL_UID gid=$MAIL_GID home=$D/mail/oauth-home
}
service submission-login {
  inet_listener submission {
    address = 127.0.0.1
    port = $P_OAUTH
  }
}
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
CONF
)
dovecot_up oauth "$DL/dovecot.conf" "$new_conf" "$RUN" "$P_OAUTH" "$D/log/dovecot-oauth.log"

cat > "$D/oauth.env" <<ENV
# written by oauth-up.sh
MW_OAUTH_PORT=$P_OAUTH
MW_OAUTH_KEY=$(cat "$DL/key.b64")
ENV
say "submission with OAUTHBEARER/XOAUTH2 on 127.0.0.1:$P_OAUTH, relaying to 127.0.0.1:$P_RELAY"
