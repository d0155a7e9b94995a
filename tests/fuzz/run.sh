#!/usr/bin/env bash
# Runs the fuzz targets of a PHANTOM_BUILD_FUZZ build:
#   tests/fuzz/run.sh BUILD_DIR SECONDS [TARGET...]      (default: every *_fuzz program)
# Two phases per target, on one core each:
# 1. replay: every saved input of tests/fuzz/corpus/<target>/ (the seeds and the regress-*
#    reproducers) runs once. A failure here is a regression and always fails the script.
# 2. exploration: fuzzing for SECONDS from those inputs (skipped when SECONDS is 0). A failure
#    here is a new finding; it fails the script unless FUZZ_FINDINGS_FATAL=0, which CI sets so
#    that a random discovery is reported without blocking an unrelated change.
# FUZZ_JOBS=N (default 1) runs N targets at a time. New inputs a target finds go to
# BUILD_DIR/fuzz-corpus/<target>/ (not into the committed corpus); a failing input is saved as
# BUILD_DIR/fuzz-crashes/<target>-*, the output as BUILD_DIR/fuzz-logs/<target>.{replay,}.log.
# Prints one line per target and phase (executions, executions per second, result).
set -uo pipefail
[ $# -ge 2 ] || { echo "usage: $0 BUILD_DIR SECONDS [TARGET...]" >&2; exit 2; }
build=$(cd "$1" && pwd)
seconds=$2
shift 2
jobs=${FUZZ_JOBS:-1}
findings_fatal=${FUZZ_FINDINGS_FATAL:-1}
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

# Runs one phase of one target: $1 the target, $2 the phase (replay or explore). Writes the
# phase's summary line to fuzz-logs/<target>.<phase>.result.
run_phase() {
  local name=$1 phase=$2 found=$build/fuzz-corpus/$1 saved=$here/corpus/$1
  local log=$build/fuzz-logs/$1.$2.log status runs rate result
  mkdir -p "$found" "$saved"
  # -timeout: an input taking longer is a hang; -rss_limit_mb also bounds one allocation.
  local common=(-timeout=10 -rss_limit_mb=2048 -print_final_stats=1
    -artifact_prefix="$build/fuzz-crashes/$name-")
  if [ "$phase" = replay ]; then
    # -runs=0 executes the given corpus once and stops before any mutation.
    "$bin/${name}_fuzz" "${common[@]}" -runs=0 "$saved" >"$log" 2>&1
  else
    "$bin/${name}_fuzz" "${common[@]}" -max_total_time="$seconds" "$found" "$saved" >"$log" 2>&1
  fi
  status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  if [ $status -eq 0 ]; then
    result=ok
  else
    result="FAILED (exit $status, see $log)"
    grep -E "finding:|ERROR:|SUMMARY:|Test unit written" "$log" | head -5 >&2
  fi
  printf '%-16s %-8s %12s executions %8s/s  %s\n' "$name" "$phase" "${runs:-?}" "${rate:-?}" \
    "$result" | tee "$build/fuzz-logs/$name.$phase.result"
}

run_one() {
  run_phase "$1" replay
  # A target whose saved inputs fail is not explored: its finding is already known.
  if [ "$seconds" -gt 0 ] && grep -q ' ok$' "$build/fuzz-logs/$1.replay.result"; then
    run_phase "$1" explore
  fi
}

for name in "${targets[@]}"; do
  rm -f "$build/fuzz-logs/$name".*.result
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
  run_one "$name" &
done
wait

# Reads one phase's result: prints it and returns 1 unless it passed.
phase_ok() {
  local file=$build/fuzz-logs/$1.$2.result
  if [ -f "$file" ]; then
    cat "$file"
    grep -q ' ok$' "$file"
  else
    echo "$1 $2: no result"
    return 1
  fi
}

echo
echo "== fuzzing summary (saved inputs, then $seconds s per target)"
regressions=0
findings=0
for name in "${targets[@]}"; do
  phase_ok "$name" replay || { regressions=1; continue; }
  if [ "$seconds" -gt 0 ]; then phase_ok "$name" explore || findings=1; fi
done
if [ $regressions -ne 0 ]; then
  echo "FUZZ REGRESSION: a saved input fails (see above)" >&2
  exit 1
fi
if [ $findings -ne 0 ]; then
  echo "FUZZ FINDINGS: new failing inputs in $build/fuzz-crashes; add each to" \
    "tests/fuzz/corpus/<target>/regress-<what> once fixed" >&2
  [ "$findings_fatal" = 0 ] || exit 1
fi
exit 0
