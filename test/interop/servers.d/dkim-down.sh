#!/usr/bin/env bash
# Nothing to stop: dkim-up.sh only installs a Python package.
exit 0
