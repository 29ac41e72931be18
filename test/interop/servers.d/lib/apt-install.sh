# apt-install.sh - install the Debian packages an interop server needs without starting anything.
# Sourced, not run; uses the caller's say and die.
#
# install_without_services "UNIT..." PKG...: installs those PKGs that are not installed yet, after
# `apt-get -s install` showed that it removes nothing (an `apt-get update` first if apt finds nothing).
# A policy-rc.d answering 101 (only when the machine has none) keeps the packages' postinst scripts from
# starting their system services, and the named systemd UNITs are disabled afterwards where systemd
# runs: the tests start their own private instances on loopback ports, never the system ones.
install_without_services() {
  local units=$1 p sim; shift
  local missing=()
  for p in "$@"; do
    [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  export DEBIAN_FRONTEND=noninteractive
  sim=$(apt-get -s install --no-install-recommends "${missing[@]}" 2>&1) || { apt-get update -q >/dev/null 2>&1; sim=$(apt-get -s install --no-install-recommends "${missing[@]}" 2>&1); }
  if grep -q '^Remv' <<<"$sim"; then die "installing ${missing[*]} would remove packages: $(grep '^Remv' <<<"$sim" | tr '\n' ' ')"; fi
  say "installing ${missing[*]}"
  APT_POLICY=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    APT_POLICY=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' > "$APT_POLICY" && chmod 755 "$APT_POLICY"
    # Also gone when apt-get or die ends the script early.
    trap 'rm -f "$APT_POLICY"' EXIT
  fi
  apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 "${missing[@]}" >/dev/null 2>&1 || die "apt-get install ${missing[*]} failed"
  if [ -n "$APT_POLICY" ]; then rm -f "$APT_POLICY"; trap - EXIT; fi
  # shellcheck disable=SC2086 # UNITs is a list
  if [ -d /run/systemd/system ]; then systemctl disable --now $units >/dev/null 2>&1 || true; fi
}
