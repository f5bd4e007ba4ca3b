#!/usr/bin/env bash
# The main job on a fresh machine: installs what is missing, builds in release mode, runs it.
# Extra arguments go to `descent` instead of the default job.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
swift build -c release --product descent >&2
if [ $# -eq 0 ]; then set -- bench core; fi
exec .build/release/descent "$@"
