#!/usr/bin/env bash
# Wall time of the test suite (without the workflow end-to-end test) as CTest runs it (one process per test
# file) against one process per test case (how catch_discover_tests registered it before), same binary, same
# parallelism. Prints both and the ratio.
#   bench/bench_test_suite.sh [JOBS]        (default: nproc)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${1:-$(nproc)}
tests=build/bin/due_tests
[[ -x "$tests" ]] || { echo "bench_test_suite: build first ($tests missing)" >&2; exit 2; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT

start=$(date +%s.%N)
ctest --test-dir build -j "$jobs" -E workflow_e2e >"$log" 2>&1 || { tail -20 "$log"; exit 1; }
per_file=$(echo "$(date +%s.%N) - $start" | bc)
entries=$(grep -c "Test *#" "$log" || true)

# One process per case; names are passed through a file so that commas and brackets stay literal.
{ "$tests" --list-test-names-only || true; } | sed '/^$/d' >"$log.names"  # Catch2 v2 exits with the count
cases=$(wc -l <"$log.names")
start=$(date +%s.%N)
tr '\n' '\0' <"$log.names" |
  DUE_LIDC_SAMPLE_MAY_BE_MISSING=1 xargs -0 -P "$jobs" -I{} sh -c '"$0" "$(printf %s "$1" | sed "s/[],[]/\\\\&/g")" >/dev/null 2>&1 || echo "failed: $1" >&2' "$tests" {}
per_case=$(echo "$(date +%s.%N) - $start" | bc)
rm -f "$log.names"
printf 'machine: %s cores, load %s\n' "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-28s %8s %10s\n' layout processes wall_s
printf '%-28s %8s %10.1f\n' "one per test file (ctest)" "$entries" "$per_file"
printf '%-28s %8s %10.1f\n' "one per test case" "$cases" "$per_case"
printf 'ratio per-file / per-case: %.2f\n' "$(echo "$per_file / $per_case" | bc -l)"
