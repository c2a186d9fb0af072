#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# run-fuzzers.sh [SECONDS]: builds the libFuzzer targets with clang (in build-fuzz/) and
# runs each for SECONDS (default 60), starting from the committed seeds in
# fuzz/corpus/<target>/ and growing fuzz/corpus-run/<target>/ (git-ignored).
# Prints executions and crashes per target; crash inputs are kept in
# fuzz/corpus-run/crashes-<target>/ (emptied at each run). fuzz/<target>.dict, when
# present, is the libFuzzer dictionary.
# Exit status is 1 if any target crashed.
set -eu

seconds=${1:-60}
src=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$src/build-fuzz}

if [ ! -d "$build" ]; then
  CC=clang meson setup "$build" "$src" -Dfuzz=true -Dgui=false >/dev/null
else
  meson configure "$build" -Dfuzz=true >/dev/null
fi
ninja -C "$build" >/dev/null

# Some targets load the shipped tokenizer.
export PATCHLENS_DATA_DIR="$src/data"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

status=0
printf '%-12s %12s %8s\n' target executions crashes
for exe in "$build"/fuzz/fuzz-*; do
  name=$(basename "$exe")
  case $name in fuzz-replay-*) continue ;; esac
  [ -f "$exe" ] && [ -x "$exe" ] || continue
  target=${name#fuzz-}
  run="$src/fuzz/corpus-run/$target"
  crashes="$src/fuzz/corpus-run/crashes-$target"
  rm -rf "$crashes"
  mkdir -p "$run" "$crashes"
  log="$build/fuzz/$name.log"
  dict=
  [ -f "$src/fuzz/$target.dict" ] && dict="-dict=$src/fuzz/$target.dict"
  # -fork would survive crashes, but one crash is a finding to fix; stop at the first.
  set +e
  "$exe" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$crashes/" $dict \
    "$run" "$src/fuzz/corpus/$target" >"$log" 2>&1
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  n_crashes=$(find "$crashes" -type f | wc -l)
  printf '%-12s %12s %8s\n' "$target" "${execs:-?}" "$n_crashes"
  if [ "$rc" -ne 0 ] || [ "$n_crashes" -ne 0 ]; then
    status=1
    echo "  see $log and $crashes/" >&2
  fi
done
exit $status
