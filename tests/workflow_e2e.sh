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
# SET="key=value": a dry run lists the stages it would rerun and changes nothing; the real run reruns them and
# passes --set to each; after it nothing is left to do, and dropping SET again reruns as a config edit would.
dry=$("${workflow[@]}" -n SET="classifier.epochs=1" 2>&1)
grep -q -- "--set classifier.epochs=1" <<<"$dry" || fail "make -n SET=... does not pass --set to the stages"
grep -q "$bin_dir/due-train-classifier" <<<"$dry" || fail "make -n SET=... would not rerun the classifiers"
if "${workflow[@]}" -n 2>&1 | grep -q "$bin_dir/due-"; then fail "a dry run with SET changed what a plain make does"; fi
"${workflow[@]}" -j 2 SET="classifier.epochs=1" >"$scratch/make-set.log" 2>&1 || { tail -n 20 "$scratch/make-set.log" >&2; fail "the workflow with SET failed"; }
# The training log: a header and one row per epoch.
[[ $(wc -l <"$scratch/demo/baseline/seed1/classifier.pt.log.csv") -eq 2 ]] || fail "SET=classifier.epochs=1 did not train 1 epoch"
if "${workflow[@]}" -n SET="classifier.epochs=1" 2>&1 | grep -q "$bin_dir/due-"; then fail "after make SET=..., a second one would rerun"; fi
echo "workflow_e2e: ok"
