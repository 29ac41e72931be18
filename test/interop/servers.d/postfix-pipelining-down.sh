#!/usr/bin/env bash
# postfix-pipelining-down.sh - stops the instance postfix-pipelining-up.sh started (its files stay).
set -uo pipefail
D=${D:-${MW_INTEROP_DIR:-/tmp/mw-interop}}
PF=$D/postfix-pipelining/etc
[ -f "$PF/main.cf" ] || exit 0
postfix -c "$PF" stop >/dev/null 2>&1 || true
rm -f "$D/postfix-pipelining.env"
