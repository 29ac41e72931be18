#!/usr/bin/env bash
# DKIM has no server of its own: this installs the independent verifier the DKIM tests use, Python's dkimpy
# (Debian python3-dkim). Idempotent; refuses to install if apt would remove anything.
set -euo pipefail
# Debian's python, not whatever python3 comes first on PATH (pyenv): that is where apt installs.
PY=/usr/bin/python3
write_env() { if [ -n "${D:-}" ]; then echo "MW_DKIM_PYTHON=$PY" > "$D/dkim.env"; fi; }
if "$PY" -c 'import dkim' 2>/dev/null; then write_env; exit 0; fi
if apt-get -s install -y python3-dkim 2>&1 | grep -q '^Remv'; then
  echo "dkim-up: installing python3-dkim would remove packages; not installing" >&2
  exit 1
fi
if ! apt-get -s install -y python3-dkim >/dev/null 2>&1; then apt-get update -qq; fi
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-dkim >/dev/null
"$PY" -c 'import dkim'
write_env
