#!/usr/bin/env bash
# End-to-end test (CTest workflow_e2e): the whole workflow, `make -f Makefile.workflow demo`, on tiny phantoms
# (tests/workflow/tiny.yaml) into a scratch folder with the tools already built; then checks the report and
# that a second make has nothing left to do. Usage: workflow_e2e.sh SOURCE_DIR BIN_DIR
set -euo pipefail
source_dir=$1
bin_dir=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cd "$source_dir"

workflow=(make -f Makefile.workflow demo RUNS="$scratch" BIN="$bin_dir" BUILD_TOOLS=0
          CONFIG=tests/workflow/tiny.yaml THREADS=1)
fail() { echo "workflow_e2e: $*" >&2; exit 1; }

start=$(date +%s)
if ! "${workflow[@]}" -j 2 >"$scratch/make.log" 2>&1; then
  tail -n 40 "$scratch/make.log" >&2
  fail "the workflow failed (log above)"
fi
echo "workflow_e2e: demo on tiny phantoms took $(( $(date +%s) - start )) s"

report=$scratch/demo/report.md
[[ -s $report ]] || fail "no report at $report"
grep -q '^### Table 1' "$report" || fail "the report has no Table 1"
for method in baseline baseline-plus due-unweighted due haics gradia res-g; do
  grep -q "^| $method | 1 |" "$report" || fail "Table 1 has no row for $method"
done
for figure in fig5-threshold fig4-montage; do
  png=$scratch/demo/report-$figure-phantom.png
  [[ $(head -c 4 "$png" | tail -c 3) == PNG ]] || fail "$png is missing or not a PNG"
  grep -q "](report-$figure-phantom.png)" "$report" || fail "the report does not show $figure"
done
grep -q 'Not drawn: every configuration was run at a single training-set size' "$report" ||
  fail "Fig. 3 should say that one training size is not a curve"
for run in "$scratch"/demo/*/seed1; do
  [[ -s $run/metrics.csv ]] || fail "$run has no metrics.csv"
done

# Everything is up to date now: a second run prints no stage command.
if "${workflow[@]}" -n 2>&1 | grep -q "$bin_dir/due-"; then
  "${workflow[@]}" -n >&2
  fail "a second make would rerun stages"
fi
echo "workflow_e2e: ok"
