#!/usr/bin/env bash
# The main job on a fresh machine: installs what is missing, builds in release mode, and runs
# `descent compare` (every optimizer × 3 seeds on the embedded digits data; run store and report
# in the current folder).
# Extra arguments go to `descent` instead of the default job.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
swift build -c release --product descent >&2
if [ $# -eq 0 ]; then set -- compare; fi
exec .build/release/descent "$@"
