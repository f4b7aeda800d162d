#!/bin/sh
# run.sh [BUILD_DIR] - build the libFuzzer targets, replay their corpora, then fuzz each.
#
#   tests/fuzz/run.sh                 # build into build-fuzz, 60 s per target
#   FUZZ_SECONDS=20 tests/fuzz/run.sh build-fuzz
#
# For each tests/fuzz/fuzz_<name>.c: replays tests/fuzz/corpus/fuzz_<name>/ and any
# earlier crash files tests/fuzz/crashes/fuzz_<name>-*, then fuzzes for FUZZ_SECONDS
# with tests/fuzz/fuzz_<name>.dict if there is one. New inputs that add coverage go to
# BUILD_DIR/fuzz-corpus/ (copy the interesting ones into corpus/ by hand); crash, leak
# and timeout inputs are written to tests/fuzz/crashes/. Exits non-zero if any target
# crashed. Needs clang with libFuzzer (apt-get install clang libclang-rt-14-dev).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-build-fuzz}
case $build in /*) ;; *) build=$root/$build ;; esac
seconds=${FUZZ_SECONDS:-60}
crashes=$here/crashes
work=$build/fuzz-corpus
logs=$build/fuzz-logs

export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

targets=$(cd "$here" && for f in fuzz_*.c; do if [ -f "$f" ]; then echo "${f%.c}"; fi; done)
[ -n "$targets" ] || { echo "run.sh: no fuzz targets in $here" >&2; exit 2; }

echo "== building $(echo "$targets" | wc -w) fuzz targets in $build"
CC=${CC:-clang} cmake -S "$root" -B "$build" -G Ninja -DZHIBU_FUZZ=ON -DZHIBU_TESTS=OFF -DCMAKE_C_COMPILER_LAUNCHER= \
    >"$build.cmake.log" 2>&1 ||
    { cat "$build.cmake.log" >&2; exit 2; }
rm -f "$build.cmake.log"
# shellcheck disable=SC2086 # one word per target
ninja -C "$build" $targets

mkdir -p "$crashes" "$work" "$logs"
failed=""
summary=""
for t in $targets; do
    bin=$build/$t
    seeds=$here/corpus/$t
    mkdir -p "$seeds" "$work/$t"
    dict=""
    [ -f "$here/$t.dict" ] && dict="-dict=$here/$t.dict"
    log=$logs/$t.log
    rm -f "$log" "$log.replay"
    status=ok

    echo "== $t: replaying $(find "$seeds" -type f | wc -l) corpus files"
    if ! "$bin" -runs=0 "$seeds" >"$log.replay" 2>&1; then
        echo "$t: the corpus crashes it:" >&2
        tail -n 40 "$log.replay" >&2
        status="corpus crash"
    fi
    for old in "$crashes/$t"-*; do
        [ -f "$old" ] || continue
        if ! "$bin" "$old" >>"$log.replay" 2>&1; then
            echo "$t: earlier crash file still crashes: $old" >&2
            status="old crash"
        fi
    done

    if [ "$status" = ok ]; then
        echo "== $t: fuzzing for ${seconds}s"
        # shellcheck disable=SC2086 # $dict is empty or one word
        if ! "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
            -artifact_prefix="$crashes/$t-" -print_final_stats=1 $dict \
            "$work/$t" "$seeds" >"$log" 2>&1; then
            status="crash"
            echo "$t: CRASH; last lines of $log:" >&2
            grep -E "^(==[0-9]+==|SUMMARY|artifact_prefix|Test unit written|    #[0-9]+ )" \
                "$log" | head -n 40 >&2 || tail -n 40 "$log" >&2
        fi
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" 2>/dev/null | tail -n 1)
    summary="$summary$(printf '%-20s %-14s %12s runs, %s corpus files' "$t" "$status" \
        "${runs:-0}" "$(find "$work/$t" -type f | wc -l)")
"
    [ "$status" = ok ] || failed="$failed $t"
done

echo "== summary"
printf '%s' "$summary"
if [ -n "$failed" ]; then
    echo "FAILED:$failed (inputs in $crashes, logs in $logs)" >&2
    exit 1
fi
echo "all fuzz targets ran without a crash"
