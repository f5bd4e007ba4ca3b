#!/usr/bin/env bash
# Coverage-guided fuzzing of every reader (docs/fuzzing.md): builds the libFuzzer binary
# (Fuzz/Sources/DescentFuzz, AddressSanitizer on) and fuzzes each target for SECONDS seconds,
# starting from its seed corpus in Fuzz/corpus/TARGET.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]      # default: 20 s each, every target
#
# A target fails on a crash (trap, precondition, out-of-bounds access), an input that runs longer
# than 10 s, or one allocation of 64 MiB or more from an input of at most 8 KiB. Each failing
# input is kept as .build/fuzz/artifacts/TARGET-crash-* (or -oom-*, -timeout-*); replay it with
#   DESCENT_FUZZ_TARGET=TARGET .build/fuzz/release/DescentFuzz FILE
# New inputs found while fuzzing go to .build/fuzz/corpus/TARGET (not into the repository).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(npy idx csv cifar safetensors checkpoint toml)

DESCENT_FUZZ=1 swift build -c release --sanitize=fuzzer --sanitize=address \
  --product DescentFuzz --build-path .build/fuzz
binary=.build/fuzz/release/DescentFuzz
mkdir -p .build/fuzz/artifacts

failed=()
for target in "${targets[@]}"; do
  [ -d "Fuzz/corpus/$target" ] || { echo "fuzz: no corpus Fuzz/corpus/$target" >&2; exit 64; }
  work=".build/fuzz/corpus/$target"
  mkdir -p "$work"
  echo "fuzz: $target for ${seconds} s" >&2
  # SWIFT_BACKTRACE=enable=no: the Swift runtime's backtracer would take over the crash that
  # libFuzzer must see. detect_leaks=0: the Swift runtime keeps caches that LeakSanitizer reports.
  if ! DESCENT_FUZZ_TARGET="$target" SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 \
    "$binary" "$work" "Fuzz/corpus/$target" -max_total_time="$seconds" -max_len=8192 \
    -malloc_limit_mb=64 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    -artifact_prefix=".build/fuzz/artifacts/$target-" 2> ".build/fuzz/$target.log"; then
    failed+=("$target")
    tail -n 40 ".build/fuzz/$target.log" >&2
  else
    grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" ".build/fuzz/$target.log" \
      | sed "s/^/fuzz: $target: /" >&2
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failed: ${failed[*]} (inputs in .build/fuzz/artifacts)" >&2
  exit 1
fi
echo "fuzz: every target ran ${seconds} s without a crash" >&2
