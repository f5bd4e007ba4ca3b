#!/usr/bin/env bash
# The test suite on a fresh machine: installs what is missing, then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
swift test "$@"
# The whole suite (no arguments) ends with a short coverage-guided fuzzing run of every reader,
# 20 s each (docs/fuzzing.md); DESCENT_FUZZ_SECONDS sets the time, 0 skips it.
fuzz_seconds=${DESCENT_FUZZ_SECONDS:-20}
if [ "$#" -eq 0 ] && [ "$fuzz_seconds" != 0 ]; then
  scripts/fuzz.sh "$fuzz_seconds"
fi
