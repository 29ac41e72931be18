#!/usr/bin/env bash
# proxies-up.sh - real proxies for test/interop/proxy.test.ts, on 127.0.0.1 only (run by servers-up.sh as
# root with D=/tmp/mw-interop; alone: sudo D=/tmp/mw-interop bash test/interop/servers.d/proxies-up.sh).
#
#   MW_PROXY_SOCKS        5180  Dante (danted), SOCKS5, no authentication
#   MW_PROXY_SOCKS_AUTH   5181  Dante, SOCKS5 username/password (RFC 1929) against the system user below
#   MW_PROXY_HTTP         5182  tinyproxy, HTTP CONNECT, no authentication
#   MW_PROXY_HTTP_AUTH    5183  tinyproxy, HTTP CONNECT with BasicAuth
#
# Dante's `socksmethod: username` checks SYSTEM users (getpwnam/shadow): this script creates a dedicated
# system user `mwproxy` (no home, no shell, locked out of login by /usr/sbin/nologin) whose password is
# set with chpasswd. tinyproxy's BasicAuth uses the same name and password from its own config.
#
# Both proxies only connect to 127.0.0.1 (Dante: external 127.0.0.1 and rules that pass only
# 127.0.0.1/32; tinyproxy: a default-deny filter that allows only 127.0.0.1 and localhost, and
# ConnectPort limited to the Postfix ports), and neither can resolve a name through DNS: each runs in a
# private mount namespace (unshare) where /etc/nsswitch.conf says "hosts: files" (Dante resolves a
# SOCKS5 host name before it matches its rules, so without this a socks5h request would query DNS). Neither starts as a system service: installing runs under
# a policy-rc.d that forbids it (as servers-up.sh does).
set -euo pipefail
# shellcheck source=lib/apt-install.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/apt-install.sh"
umask 022
: "${D:?D must be set (servers-up.sh exports it)}"
P_SOCKS=${MW_PROXY_SOCKS:-5180}
P_SOCKS_AUTH=${MW_PROXY_SOCKS_AUTH:-5181}
P_HTTP=${MW_PROXY_HTTP:-5182}
P_HTTP_AUTH=${MW_PROXY_HTTP_AUTH:-5183}
PROXY_USER=mwproxy
PROXY_PASS='Pr0xy-pass-42'
SMTP_PORTS=(${MW_PORT_POSTFIX:-5525} ${MW_PORT_SUBMISSION:-5587} ${MW_PORT_SMTPS:-5465})

say() { printf '[proxies-up] %s\n' "$*" >&2; }
die() { printf '[proxies-up] ERROR: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root"

# ---- packages (check first that installing removes nothing) ------------------------------------------
install_without_services "danted.service tinyproxy.service" dante-server tinyproxy

# ---- the proxy user (Dante checks system users) ------------------------------------------------------
if ! id -u "$PROXY_USER" >/dev/null 2>&1; then
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$PROXY_USER"
fi
echo "$PROXY_USER:$PROXY_PASS" | chpasswd

mkdir -p "$D"/{etc/proxies,run,log}
NSS=$D/etc/proxies/nsswitch.conf
printf '%s\n' '# written by proxies-up.sh: the proxies resolve names from /etc/hosts only' 'hosts: files' 'passwd: files' 'group: files' 'shadow: files' > "$NSS"

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pid_of() { local pid; pid=$(tr -dc 0-9 2>/dev/null < "$1") || return 1
  [ -n "$pid" ] && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$2" ] && echo "$pid"; }
# keep NAME running EXE ARGS (restarted when its config file CONF changed since it started)
keep() {
  local name=$1 port=$2 conf=$3 exe=$4; shift 4
  local pidf=$D/run/$name.pid sum; sum=$(sha256sum < "$conf")
  if pid_of "$pidf" "$exe" >/dev/null; then
    [ "$(cat "$D/run/$name.sum" 2>/dev/null)" = "$sum" ] && return 0
    start-stop-daemon --stop --quiet --pidfile "$pidf" --exec "$exe" --retry TERM/5/KILL/5 || true
  fi
  listening "$port" && die "127.0.0.1:$port is taken by another program"
  echo "$sum" > "$D/run/$name.sum"
  rm -f "$pidf"
  # In a private mount namespace whose /etc/nsswitch.conf says "hosts: files": the proxy can resolve
  # localhost from /etc/hosts and nothing else, so a host name it is asked for never becomes a DNS query.
  start-stop-daemon --start --background --make-pidfile --pidfile "$pidf" --output "$D/log/$name.out" \
    --startas /usr/bin/unshare -- --mount /bin/sh -c 'mount --bind "$0" /etc/nsswitch.conf && exec "$@"' "$NSS" "$exe" "$@"
  for _ in $(seq 50); do listening "$port" && { say "started $name on 127.0.0.1:$port"; return 0; }; sleep 0.1; done
  die "$name did not start listening on $port (see $D/log/$name.*)"
}

# ---- Dante ----------------------------------------------------------------------------------------------
dante_conf() { # FILE PORT METHOD
  cat > "$1" <<CONF
# written by proxies-up.sh
logoutput: $D/log/danted-$2.log
internal: 127.0.0.1 port = $2
external: 127.0.0.1
clientmethod: none
socksmethod: $3
user.privileged: root
user.unprivileged: nobody
client pass {
  from: 127.0.0.1/32 to: 0.0.0.0/0
  log: error
}
# Only connect, and only to this machine's loopback address.
socks pass {
  from: 127.0.0.1/32 to: 127.0.0.1/32
  command: connect
  log: connect error
}
socks block {
  from: 0.0.0.0/0 to: 0.0.0.0/0
  log: connect error
}
CONF
}
dante_conf "$D/etc/proxies/danted-noauth.conf" "$P_SOCKS" none
dante_conf "$D/etc/proxies/danted-auth.conf" "$P_SOCKS_AUTH" username
keep danted-noauth "$P_SOCKS" "$D/etc/proxies/danted-noauth.conf" /usr/sbin/danted -f "$D/etc/proxies/danted-noauth.conf"
keep danted-auth "$P_SOCKS_AUTH" "$D/etc/proxies/danted-auth.conf" /usr/sbin/danted -f "$D/etc/proxies/danted-auth.conf"

# ---- tinyproxy ------------------------------------------------------------------------------------------
printf '%s\n' '^127\.0\.0\.1$' '^localhost$' > "$D/etc/proxies/tinyproxy-allow"
tinyproxy_conf() { # FILE PORT [AUTH]
  {
    echo "# written by proxies-up.sh"
    echo "User nobody"
    echo "Group nogroup"
    echo "Port $2"
    echo "Listen 127.0.0.1"
    echo "Bind 127.0.0.1"
    echo "Timeout 60"
    echo "LogFile \"$D/log/tinyproxy-$2.log\""
    echo "LogLevel Info"
    echo "MaxClients 50"
    echo "Allow 127.0.0.1"
    echo "DisableViaHeader Yes"
    for p in "${SMTP_PORTS[@]}"; do echo "ConnectPort $p"; done
    # Default deny: only the names in the filter file (127.0.0.1 and localhost) may be reached.
    echo "Filter \"$D/etc/proxies/tinyproxy-allow\""
    echo "FilterType ere"
    echo "FilterDefaultDeny Yes"
    [ "${3:-}" = auth ] && echo "BasicAuth $PROXY_USER $PROXY_PASS"
    true
  } > "$1"
}
tinyproxy_conf "$D/etc/proxies/tinyproxy.conf" "$P_HTTP"
tinyproxy_conf "$D/etc/proxies/tinyproxy-auth.conf" "$P_HTTP_AUTH" auth
chmod 640 "$D/etc/proxies/tinyproxy-auth.conf" && chgrp nogroup "$D/etc/proxies/tinyproxy-auth.conf"
for port in "$P_HTTP" "$P_HTTP_AUTH"; do touch "$D/log/tinyproxy-$port.log"; chown nobody "$D/log/tinyproxy-$port.log"; done
keep tinyproxy "$P_HTTP" "$D/etc/proxies/tinyproxy.conf" /usr/bin/tinyproxy -d -c "$D/etc/proxies/tinyproxy.conf"
keep tinyproxy-auth "$P_HTTP_AUTH" "$D/etc/proxies/tinyproxy-auth.conf" /usr/bin/tinyproxy -d -c "$D/etc/proxies/tinyproxy-auth.conf"

cat > "$D/proxies.env" <<ENV
# written by proxies-up.sh
MW_PROXY_SOCKS=$P_SOCKS
MW_PROXY_SOCKS_AUTH=$P_SOCKS_AUTH
MW_PROXY_HTTP=$P_HTTP
MW_PROXY_HTTP_AUTH=$P_HTTP_AUTH
MW_PROXY_USER=$PROXY_USER
MW_PROXY_PASS=$PROXY_PASS
ENV
