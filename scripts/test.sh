#!/usr/bin/env bash
# The test suite on a fresh machine: installs what is missing, then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
exec swift test "$@"
