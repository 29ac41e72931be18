#!/usr/bin/env bash
# servers-up.sh - start the real SMTP servers mailwire's interop tests talk to, on 127.0.0.1 only.
# Run as root on Debian 12:  bash test/interop/servers-up.sh      (stop: servers-down.sh)
#
#   MW_PORT_POSTFIX     5525  Postfix, plain: no TLS, no AUTH
#   MW_PORT_SUBMISSION  5587  Postfix: STARTTLS required, then AUTH PLAIN/LOGIN required (Dovecot SASL)
#   MW_PORT_SMTPS       5465  Postfix: implicit TLS, AUTH PLAIN/LOGIN required
#   MW_PORT_SINK        5600  Postfix's smtp-sink: accepts and discards everything, fast
#   MW_PORT_AIOSMTPD    5700  aiosmtpd, plain
#   MW_PORT_AIOSMTPD_TLS 5701 aiosmtpd: STARTTLS required, then AUTH PLAIN/LOGIN required
#
# Everything lives in $MW_INTEROP_DIR (default /tmp/mw-interop), which ends up holding ports.env and
# servers.json for the tests. Re-running is cheap: only what is missing, stopped or changed is touched.
# Outside that directory the script only installs packages (debconf: postfix "No configuration").
set -euo pipefail
umask 022

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
D=${MW_INTEROP_DIR:-/tmp/mw-interop}
P_POSTFIX=${MW_PORT_POSTFIX:-5525}
P_SUBMISSION=${MW_PORT_SUBMISSION:-5587}
P_SMTPS=${MW_PORT_SMTPS:-5465}
P_SINK=${MW_PORT_SINK:-5600}
P_AIO=${MW_PORT_AIOSMTPD:-5700}
P_AIO_TLS=${MW_PORT_AIOSMTPD_TLS:-5701}
MAIL_USER=${MW_MAIL_USER:-nobody}   # owns delivered mail; virtual(8) refuses uids below 100
SASL_USER=tester
SASL_PASS=s3cret-pass
SIZE_LIMIT=20971520
PY=/usr/bin/python3                 # Debian's python, the one python3-aiosmtpd is installed for
PF=$D/etc/postfix
DC=$D/etc/dovecot/dovecot.conf
T0=$EPOCHREALTIME

say() { printf '[servers-up] %s\n' "$*" >&2; }
die() { printf '[servers-up] ERROR: %s\n' "$*" >&2; exit 1; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

[ "$(id -u)" = 0 ] || die "run as root (it installs packages and starts Postfix)"
case $D in /*) ;; *) die "MW_INTEROP_DIR must be an absolute path";; esac
case $D in *[[:space:]]*) die "MW_INTEROP_DIR must not contain spaces";; esac
[ ${#D} -le 60 ] || die "MW_INTEROP_DIR is too long for the unix sockets inside it: $D"

# ---- packages ---------------------------------------------------------------------------------------
PKGS=(postfix dovecot-core python3-aiosmtpd openssl)
missing=()
for p in "${PKGS[@]}"; do
  [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  ta=$EPOCHREALTIME
  export DEBIAN_FRONTEND=noninteractive
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  # No system daemon may start while packages install (dovecot's postinst would start one).
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy
    trap 'rm -f $policy' EXIT
  fi
  apt_log=$(mktemp)
  install_pkgs() { apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$apt_log" 2>&1; }
  install_pkgs || { apt-get update -q >>"$apt_log" 2>&1 && install_pkgs; } \
    || { tail -20 "$apt_log" >&2; die "apt-get install failed (log: $apt_log)"; }
  rm -f "$apt_log" $policy
  if [ -d /run/systemd/system ]; then systemctl disable --now dovecot.service >/dev/null 2>&1 || true; fi
  say "packages installed in $(since "$ta")s"
fi
MAIL_UID=$(id -u "$MAIL_USER") MAIL_GID=$(id -g "$MAIL_USER")

# ---- helpers ----------------------------------------------------------------------------------------
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
need_free() { for p in "$@"; do listening "$p" && die "127.0.0.1:$p is taken by another program (set MW_PORT_* to move)"; done; return 0; }
# pid_of PIDFILE EXE: print the pid in PIDFILE if that process is still running EXE
pid_of() { local pid; pid=$(tr -dc 0-9 2>/dev/null < "$1") || return 1
  [ -n "$pid" ] && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$2" ] && echo "$pid"; }
# put FILE: store stdin in FILE unless it already holds exactly that; status 0 means "changed".
# The mtime is set in the past because Postfix stalls ~2 s on a main.cf written in the current second.
put() { local tmp; tmp=$(mktemp "$1.XXXX"); cat > "$tmp"
  if cmp -s "$tmp" "$1"; then rm -f "$tmp"; return 1; fi
  chmod 644 "$tmp"; touch -d '-10 seconds' "$tmp"; mv -f "$tmp" "$1"; }
# daemon NAME "PORTS" EXTRA EXE ARGS...: keep `EXE ARGS` running in the background (pid in run/NAME.pid,
# output in log/NAME.log); restart it when its command line or EXTRA (what it reads) has changed.
daemon() {
  local name=$1 ports=$2 fp="$*" pidf=$D/run/$1.pid exe=$4; shift 4
  if pid_of "$pidf" "$exe" >/dev/null; then
    [ "$(cat "$D/run/$name.fp" 2>/dev/null)" = "$fp" ] && return 0
    say "$name: settings changed, restarting"
    start-stop-daemon --stop --quiet --pidfile "$pidf" --exec "$exe" --retry TERM/5/KILL/5 || true
  fi
  # shellcheck disable=SC2086
  need_free $ports
  echo "$fp" > "$D/run/$name.fp"
  start-stop-daemon --start --background --make-pidfile --pidfile "$pidf" \
    --output "$D/log/$name.log" --exec "$exe" -- "$@"
  say "started $name"
}

AIO_EXE=$(readlink -f $PY)
# Refuse before starting anything if a port we are about to bind belongs to another program.
postfix -c "$PF" status >/dev/null 2>&1 || need_free "$P_POSTFIX" "$P_SUBMISSION" "$P_SMTPS"
pid_of "$D/run/smtp-sink.pid" /usr/sbin/smtp-sink >/dev/null || need_free "$P_SINK"
pid_of "$D/run/aiosmtpd.pid" "$AIO_EXE" >/dev/null || need_free "$P_AIO" "$P_AIO_TLS"

# ---- layout -----------------------------------------------------------------------------------------
mkdir -p "$D"/{etc/postfix,etc/dovecot,tls,run,log,var}
install -d -m 755 -o root -g root "$D/var/postfix" "$D/run/dovecot"    # Postfix wants a root-owned queue
install -d -m 700 -o postfix -g postfix "$D/var/postfix-data"
install -d -m 755 -o "$MAIL_UID" -g "$MAIL_GID" "$D/mail" "$D/mail/aiosmtpd" "$D"/mail/postfix/{,new,cur,tmp}

# ---- TLS: a test CA and a localhost certificate it signed (kept across runs) ------------------------
if ! openssl x509 -in "$D/tls/server.crt" -noout -checkend 86400 >/dev/null 2>&1 || [ ! -s "$D/tls/ca.crt" ]; then
  say "creating test CA and server certificate"
  (
    cd "$D/tls"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=mailwire interop test CA" \
      -keyout ca.key -out ca.crt -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    openssl req -new -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server.key -out server.csr 2>/dev/null
    printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=serverAuth" "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" > server.ext
    openssl x509 -req -days 825 -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
      -extfile server.ext -out server.crt 2>/dev/null
    rm -f server.csr server.ext ca.srl
    chmod 600 ca.key server.key
  )
fi
CERT_FP=$(sha256sum < "$D/tls/server.crt" | cut -c1-16)

# ---- Dovecot: only the SASL service Postfix asks (no IMAP/POP) -------------------------------------
put "$D/etc/dovecot/users" <<EOF || true
$SASL_USER:{PLAIN}$SASL_PASS
EOF
chown root:dovecot "$D/etc/dovecot/users" && chmod 640 "$D/etc/dovecot/users"
dc_changed=0
put "$DC" <<EOF && dc_changed=1
# written by servers-up.sh
instance_name = mw-interop
base_dir = $D/run/dovecot
state_dir = $D/var/dovecot
log_path = $D/log/dovecot.log
protocols = none
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
passdb {
  driver = passwd-file
  args = $D/etc/dovecot/users
}
userdb {
  driver = static
  args = uid=$MAIL_UID gid=$MAIL_GID home=/nonexistent
}
# No auth penalty: anvil would delay each failed login from 127.0.0.1 more (2 s, 4 s ... 15 s), so
# wrong-password tests would slow each other down.
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service auth {
  unix_listener auth-postfix {
    mode = 0660
    user = postfix
    group = postfix
  }
}
EOF
if pid_of "$D/run/dovecot/master.pid" /usr/sbin/dovecot >/dev/null; then
  [ $dc_changed = 0 ] || { say "dovecot: config changed, reloading"; dovecot -c "$DC" reload || die "dovecot reload failed"; }
else
  say "starting dovecot"
  dovecot -c "$DC" </dev/null >>"$D/log/dovecot.log" 2>&1 || die "dovecot did not start (see $D/log/dovecot.log)"
fi

# ---- Postfix: a private instance (postfix -c $PF); /etc/postfix is neither read nor written ---------
pf_changed=0
put "$PF/main.cf" <<EOF && pf_changed=1
# written by servers-up.sh
compatibility_level = 3.6
queue_directory = $D/var/postfix
data_directory = $D/var/postfix-data
meta_directory = /etc/postfix
maillog_file = $D/log/postfix.log
maillog_file_prefixes = $D/log
myhostname = postfix.localhost
smtpd_banner = \$myhostname ESMTP Postfix (mailwire interop)
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
biff = no
# Every address in every domain is a mailbox, and every copy goes to one Maildir ($D/mail/postfix),
# so nothing is ever relayed and each recipient gets a file with its own Delivered-To header.
mydestination =
local_recipient_maps =
alias_maps =
relay_domains =
virtual_mailbox_domains = static:all
virtual_mailbox_base = $D/mail
virtual_mailbox_maps = static:postfix/
virtual_uid_maps = static:$MAIL_UID
virtual_gid_maps = static:$MAIL_GID
virtual_mailbox_limit = 0
message_size_limit = $SIZE_LIMIT
# Deliver what the client sent: no header rewriting for loopback clients, no delays, no DNS.
local_header_rewrite_clients =
smtpd_peername_lookup = no
# "connect from unknown[127.0.0.1]:PORT": tests find their own session (and its command counts) by port.
smtpd_client_port_logging = yes
in_flow_delay = 0
smtpd_error_sleep_time = 0
# TLS and SASL are switched on per port in master.cf.
smtpd_tls_chain_files = $D/tls/server.key, $D/tls/server.crt
smtpd_tls_loglevel = 1
# Received: says "(using TLSv1.3 ...)", so tests can tell from a Maildir file that TLS was used.
smtpd_tls_received_header = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = $D/run/dovecot/auth-postfix
smtpd_tls_auth_only = yes
# cert: $CERT_FP (a new certificate changes this file, so running smtpd processes are reloaded)
EOF
put "$PF/master.cf" <<EOF && pf_changed=1
# written by servers-up.sh; nothing is chrooted
127.0.0.1:$P_POSTFIX inet n - n - - smtpd
  -o syslog_name=postfix/plain
127.0.0.1:$P_SUBMISSION inet n - n - - smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject
127.0.0.1:$P_SMTPS inet n - n - - smtpd
  -o syslog_name=postfix/smtps
  -o smtpd_tls_wrappermode=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject
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
EOF
if postfix -c "$PF" status >/dev/null 2>&1; then
  [ $pf_changed = 0 ] || { say "postfix: config changed, reloading"
  postfix -c "$PF" reload >>"$D/log/postfix.stderr" 2>&1 || die "postfix reload failed (see $D/log/postfix.log)"; }
else
  say "starting postfix"
  postfix -c "$PF" start </dev/null >>"$D/log/postfix.stderr" 2>&1 || die "postfix did not start (see $D/log/postfix.log)"
fi

# ---- smtp-sink and aiosmtpd -------------------------------------------------------------------------
# -a: no AUTH (smtp-sink would take any credentials with 250, not 235); -C -F: no XCLIENT/XFORWARD;
# -u: drop root after bind.
daemon smtp-sink "$P_SINK" - /usr/sbin/smtp-sink -4 -a -C -F -u postfix -h sink.localhost "127.0.0.1:$P_SINK" 256
put "$D/etc/aiosmtpd-server.py" < "$HERE/aiosmtpd-server.py" || true
daemon aiosmtpd "$P_AIO $P_AIO_TLS" "$CERT_FP $(sha256sum < "$D/etc/aiosmtpd-server.py" | cut -c1-16)" \
  "$AIO_EXE" -u "$D/etc/aiosmtpd-server.py" --plain-port "$P_AIO" --tls-port "$P_AIO_TLS" \
  --cert "$D/tls/server.crt" --key "$D/tls/server.key" --capture-dir "$D/mail/aiosmtpd" \
  --user "$SASL_USER" --password "$SASL_PASS" --size "$SIZE_LIMIT" --run-as "$MAIL_USER"

# ---- ready? every port greets, the TLS ones after a handshake verified against the test CA --------
plain_reply() { ( exec 3<>"/dev/tcp/127.0.0.1/$1" && IFS= read -r -t 5 l <&3 && printf 'QUIT\r\n' >&3 && echo "$l" ) 2>/dev/null; }
tls_reply() { local p=$1; shift; echo QUIT | timeout 5 openssl s_client -quiet -crlf -connect "127.0.0.1:$p" \
  -CAfile "$D/tls/ca.crt" -verify_return_error -verify_hostname localhost "$@" 2>/dev/null | head -1; }
expect_2xx() { case $2 in 2[0-9][0-9]*) ;; *) die "127.0.0.1:$1 did not answer as expected: '$2' (see $D/log/)";; esac; }
for p in "$P_POSTFIX" "$P_SUBMISSION" "$P_SMTPS" "$P_SINK" "$P_AIO" "$P_AIO_TLS"; do
  for _ in $(seq 100); do listening "$p" && break; sleep 0.1; done
done
for p in "$P_POSTFIX" "$P_SINK" "$P_AIO"; do expect_2xx "$p" "$(plain_reply "$p")"; done
expect_2xx "$P_SMTPS" "$(tls_reply "$P_SMTPS")"
expect_2xx "$P_SUBMISSION" "$(tls_reply "$P_SUBMISSION" -starttls smtp)"
expect_2xx "$P_AIO_TLS" "$(tls_reply "$P_AIO_TLS" -starttls smtp)"
[ -S "$D/run/dovecot/auth-postfix" ] || die "dovecot's auth socket is missing (see $D/log/dovecot.log)"
pid_of "$D/run/smtp-sink.pid" /usr/sbin/smtp-sink >/dev/null || die "smtp-sink is not running (see $D/log/smtp-sink.log)"
pid_of "$D/run/aiosmtpd.pid" "$AIO_EXE" >/dev/null || die "aiosmtpd is not running (see $D/log/aiosmtpd.log)"

# ---- tell the tests ---------------------------------------------------------------------------------
put "$D/ports.env" <<EOF || true
# written by servers-up.sh: source it, or read servers.json
MW_INTEROP_DIR=$D
MW_SMTP_HOST=127.0.0.1
MW_PORT_POSTFIX=$P_POSTFIX
MW_PORT_SUBMISSION=$P_SUBMISSION
MW_PORT_SMTPS=$P_SMTPS
MW_PORT_SINK=$P_SINK
MW_PORT_AIOSMTPD=$P_AIO
MW_PORT_AIOSMTPD_TLS=$P_AIO_TLS
MW_SMTP_USER=$SASL_USER
MW_SMTP_PASS=$SASL_PASS
MW_SIZE_LIMIT=$SIZE_LIMIT
MW_TLS_CA=$D/tls/ca.crt
MW_MAILDIR_POSTFIX=$D/mail/postfix
MW_CAPTURE_AIOSMTPD=$D/mail/aiosmtpd
EOF
put "$D/servers.json" <<EOF || true
{
  "version": 1,
  "dir": "$D",
  "host": "127.0.0.1",
  "ports": { "postfix": $P_POSTFIX, "submission": $P_SUBMISSION, "smtps": $P_SMTPS,
             "sink": $P_SINK, "aiosmtpd": $P_AIO, "aiosmtpdTls": $P_AIO_TLS },
  "auth": { "user": "$SASL_USER", "pass": "$SASL_PASS" },
  "sizeLimit": $SIZE_LIMIT,
  "tls": { "ca": "$D/tls/ca.crt", "caKey": "$D/tls/ca.key", "cert": "$D/tls/server.crt",
           "key": "$D/tls/server.key", "serverName": "localhost" },
  "maildir": { "postfix": "$D/mail/postfix", "aiosmtpd": "$D/mail/aiosmtpd" },
  "logs": "$D/log",
  "pidFiles": { "postfix": "$D/var/postfix/pid/master.pid", "dovecot": "$D/run/dovecot/master.pid",
                "sink": "$D/run/smtp-sink.pid", "aiosmtpd": "$D/run/aiosmtpd.pid" }
}
EOF

cat <<EOF
mailwire interop servers up in $(since "$T0")s (state in $D)
  127.0.0.1:$P_POSTFIX   Postfix plain          no TLS, no AUTH; SIZE $SIZE_LIMIT, 8BITMIME, SMTPUTF8, CHUNKING, DSN
  127.0.0.1:$P_SUBMISSION   Postfix submission     STARTTLS required, AUTH PLAIN/LOGIN required (Dovecot)
  127.0.0.1:$P_SMTPS   Postfix smtps          implicit TLS, AUTH PLAIN/LOGIN required
  127.0.0.1:$P_SINK   smtp-sink              accepts and discards
  127.0.0.1:$P_AIO   aiosmtpd plain         no TLS, no AUTH
  127.0.0.1:$P_AIO_TLS   aiosmtpd tls           STARTTLS required, AUTH PLAIN/LOGIN required
  login      $SASL_USER / $SASL_PASS
  trust      $D/tls/ca.crt  (server cert CN=localhost, SAN localhost 127.0.0.1 ::1)
  mail       $D/mail/postfix/new/ (one file per recipient)
             $D/mail/aiosmtpd/<name>.eml + <name>.json
  for tests  $D/servers.json, $D/ports.env; logs in $D/log/
EOF

# ---- extra servers ----------------------------------------------------------------------------------
# Each feature that needs another real peer (LMTP, proxies, Redis, a second Postfix...) brings its own
# servers.d/NAME-up.sh (and NAME-down.sh). They run after the core servers, with D and the core ports
# exported, and write their own NAME.env beside ports.env for the tests to read.
export MW_INTEROP_DIR=$D D HERE SASL_USER SASL_PASS
for extra in "$HERE"/servers.d/*-up.sh; do
  [ -e "$extra" ] || continue
  say "starting $(basename "$extra" -up.sh)"
  bash "$extra" || die "$(basename "$extra") failed"
done
