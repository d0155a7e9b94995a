#!/usr/bin/env bash
# Runs the fuzz targets of a PHANTOM_BUILD_FUZZ build:
#   tests/fuzz/run.sh BUILD_DIR SECONDS [TARGET...]      (default: every *_fuzz program)
# Each target first runs every saved input of tests/fuzz/corpus/<target>/ (the seeds and the
# regress-* reproducers), then fuzzes for SECONDS from them, on one core. FUZZ_JOBS=N (default 1)
# runs N targets at a time. New inputs a target finds go to BUILD_DIR/fuzz-corpus/<target>/ (not
# into the committed corpus); a failing input is saved as BUILD_DIR/fuzz-crashes/<target>-*, the
# output as BUILD_DIR/fuzz-logs/<target>.log. Prints one line per target (executions,
# executions per second, result) and exits 1 if any target failed.
set -uo pipefail
[ $# -ge 2 ] || { echo "usage: $0 BUILD_DIR SECONDS [TARGET...]" >&2; exit 2; }
build=$(cd "$1" && pwd)
seconds=$2
shift 2
jobs=${FUZZ_JOBS:-1}
here=$(cd "$(dirname "$0")" && pwd)
bin=$build/tests/fuzz

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for t in "$bin"/*_fuzz; do [ -x "$t" ] && targets+=("$(basename "$t" _fuzz)"); done
fi
[ ${#targets[@]} -gt 0 ] || { echo "no fuzz targets in $bin" >&2; exit 1; }

# Targets write scratch files under TMPDIR; keep them in the build directory.
export TMPDIR=$build/fuzz-tmp
mkdir -p "$TMPDIR" "$build/fuzz-crashes" "$build/fuzz-logs"

# Runs one target; writes its summary line to fuzz-logs/<target>.result.
run_one() {
  local name=$1 found=$build/fuzz-corpus/$1 log=$build/fuzz-logs/$1.log status runs rate result
  mkdir -p "$found" "$here/corpus/$name"
  # -timeout: an input taking longer is a hang; -rss_limit_mb also bounds one allocation.
  "$bin/${name}_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$build/fuzz-crashes/$name-" \
    "$found" "$here/corpus/$name" >"$log" 2>&1
  status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  if [ $status -eq 0 ]; then
    result=ok
  else
    result="FAILED (exit $status, see $log)"
    grep -E "finding:|ERROR:|SUMMARY:|Test unit written" "$log" | head -5 >&2
  fi
  printf '%-16s %12s executions %8s/s  %s\n' "$name" "${runs:-?}" "${rate:-?}" "$result" |
    tee "$build/fuzz-logs/$name.result"
}

for name in "${targets[@]}"; do
  rm -f "$build/fuzz-logs/$name.result"
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
  run_one "$name" &
done
wait

echo
echo "== fuzzing summary ($seconds s per target)"
failed=0
for name in "${targets[@]}"; do
  if [ -f "$build/fuzz-logs/$name.result" ]; then
    cat "$build/fuzz-logs/$name.result"
    grep -q ' ok$' "$build/fuzz-logs/$name.result" || failed=1
  else
    echo "$name: no result"
    failed=1
  fi
done
exit $failed
