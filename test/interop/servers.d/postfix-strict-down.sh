#!/usr/bin/env bash
# postfix-strict-down.sh - stop the strict Postfix instance that postfix-strict-up.sh started.
set -uo pipefail
D=${D:-${MW_INTEROP_DIR:-/tmp/mw-interop}}
PF=$D/postfix-strict/etc
rm -f "$D/postfix-strict.env"
if [ -f "$PF/main.cf" ] && postfix -c "$PF" status >/dev/null 2>&1; then
  printf '[postfix-strict-down] stopping the strict Postfix instance\n' >&2
  postfix -c "$PF" stop >/dev/null 2>&1 || exit 1
fi
exit 0
