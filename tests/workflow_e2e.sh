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

# A copy of the config, so that the test can edit it (per-stage dependencies below).
config=$scratch/tiny.yaml
cp tests/workflow/tiny.yaml "$config"
workflow=(make -f Makefile.workflow demo RUNS="$scratch" BIN="$bin_dir" BUILD_TOOLS=0
          CONFIG="$config" THREADS=1)
fail() { echo "workflow_e2e: $*" >&2; exit 1; }

start=$(date +%s)
# DUE_CONFIG_TRACE: every tool appends the config keys it read (checked against the slices below).
if ! DUE_CONFIG_TRACE=$scratch/config-keys.txt "${workflow[@]}" -j 2 >"$scratch/make.log" 2>&1; then
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
grep -q '^\*\*What one seed can show\*\*' "$report" || fail "the demo's report does not say what one seed can show"
[[ $(wc -l <"$scratch/demo/report-results.csv") -eq 8 ]] || fail "report-results.csv is not a header and 7 runs"
grep -q 'Not drawn: every configuration was run at a single training-set size' "$report" ||
  fail "Fig. 3 should say that one training size is not a curve"
for run in "$scratch"/demo/*/seed1; do
  [[ -s $run/metrics.csv ]] || fail "$run has no metrics.csv"
  # predictions.csv: a header and one row per evaluated sample, as many as metrics.json counts.
  samples=$(grep -o '"samples": [0-9]*' "$run/metrics.json" | head -1 | grep -o '[0-9]*$')
  [[ $(head -1 "$run/predictions.csv") == id,label,predicted,probability,iou_volume,f1_volume,iou_slice,f1_slice ]] ||
    fail "$run/predictions.csv has no header"
  [[ $(( $(wc -l <"$run/predictions.csv") - 1 )) -eq $samples ]] || fail "$run/predictions.csv has not $samples rows"
done

# Everything is up to date now: a second run prints no stage command.
if "${workflow[@]}" -n 2>&1 | grep -q "$bin_dir/due-"; then
  "${workflow[@]}" -n >&2
  fail "a second make would rerun stages"
fi
# Each stage depends on its config slice, DIR/STAGE.config.yaml: the sections it reads. Every key a tool read in
# the run above lies in its slice's sections (seed and threads come from --seed and --threads, log_level changes
# no output), so no edit the slices leave out can change a stage's output.
declare -A stage_of=([due-preprocess]=preprocess [due-train-interpolator]=interpolator
                     [due-sample-variance]=variance [due-train-np-vae]=npvae [due-impute-annotations]=impute
                     [due-train-classifier]=classifier [due-explain]=explain [due-evaluate]=evaluate)
[[ $(cut -d' ' -f1 "$scratch/config-keys.txt" | sort -u | wc -l) -eq 8 ]] ||
  fail "DUE_CONFIG_TRACE did not record the keys of all eight tools: $(cut -d' ' -f1 "$scratch/config-keys.txt" | sort -u | tr '\n' ' ')"
while read -r tool key; do
  section=${key%%.*}
  case $section in seed | threads | log_level) continue ;; esac
  slice=$scratch/demo/${stage_of[$tool]}.config.yaml
  sections=$(sed -n '1s/.*reads (\(.*\)) and the SET.*/\1/p' "$slice")
  [[ -n $sections ]] || fail "$slice does not name its sections"
  [[ " $sections " == *" $section "* ]] || fail "$tool read $key, outside the sections of $slice ($sections)"
done < <(sort -u "$scratch/config-keys.txt")
# Editing a classifier key reruns the classifiers, explanations, evaluations and the report only; an interpolator
# key everything that depends on the interpolator (not the dataset, not the runs without imputed annotations); a dry run writes nothing, and putting the old
# value back leaves nothing to do although the file is newer than every output.
stages_of_dry_run() { "${workflow[@]}" -n "$@" 2>&1 | grep -o "$bin_dir/due-[a-z-]*\( --report\)\?" | sed "s|$bin_dir/||" | LC_ALL=C sort | uniq -c | tr -s ' \n' ' '; }
sed -i 's/^  epochs: 2$/  epochs: 3/' "$config"
stages=$(stages_of_dry_run)
[[ $stages == " 7 due-evaluate 1 due-evaluate --report 7 due-explain 7 due-train-classifier " ]] ||
  fail "after a classifier.epochs edit make -n lists $stages"
sed -i 's/^  epochs: 3$/  epochs: 2/; s/^    steps: 10$/    steps: 11/' "$config"
stages=$(stages_of_dry_run)
# (the runs of due and due-unweighted: the others read no imputed annotation)
[[ $stages == " 2 due-evaluate 1 due-evaluate --report 2 due-explain 2 due-impute-annotations 1 due-sample-variance 2 due-train-classifier 1 due-train-interpolator 1 due-train-np-vae " ]] ||
  fail "after an interpolator.train.steps edit make -n lists $stages"
# An NP-VAE key: the NP-VAE, the imputation that reads it and DUE's run; not due-unweighted's imputation.
cp tests/workflow/tiny.yaml "$config"
sed -i 's/^  steps: 10$/  steps: 12/' "$config"
stages=$(stages_of_dry_run)
[[ $stages == " 1 due-evaluate 1 due-evaluate --report 1 due-explain 1 due-impute-annotations 1 due-train-classifier 1 due-train-np-vae " ]] ||
  fail "after an npvae.steps edit make -n lists $stages"
cp tests/workflow/tiny.yaml "$config"
[[ -z $(stages_of_dry_run) ]] || fail "with the config's old content back, make -n lists $(stages_of_dry_run)"

# SET="key=value": a dry run lists the stages it would rerun and changes nothing; the real run reruns them and
# passes --set to each; after it nothing is left to do, and dropping SET again reruns as a config edit would.
dry=$("${workflow[@]}" -n SET="classifier.epochs=1" 2>&1)
grep -q -- "--set classifier.epochs=1" <<<"$dry" || fail "make -n SET=... does not pass --set to the stages"
grep -q "$bin_dir/due-train-classifier" <<<"$dry" || fail "make -n SET=... would not rerun the classifiers"
if "${workflow[@]}" -n 2>&1 | grep -q "$bin_dir/due-"; then fail "a dry run with SET changed what a plain make does"; fi
"${workflow[@]}" -j 2 SET="classifier.epochs=1" >"$scratch/make-set.log" 2>&1 || { tail -n 20 "$scratch/make-set.log" >&2; fail "the workflow with SET failed"; }
# The training log: a header and one row per epoch.
[[ $(wc -l <"$scratch/demo/baseline/seed1/classifier.pt.log.csv") -eq 2 ]] || fail "SET=classifier.epochs=1 did not train 1 epoch"
# SET is part of the slices: a classifier key reran no stage before the classifiers.
if grep -E "due-(preprocess|train-interpolator|sample-variance|train-np-vae|impute-annotations) " "$scratch/make-set.log"; then
  fail "SET=classifier.epochs=1 reran a stage before the classifiers"
fi
if "${workflow[@]}" -n SET="classifier.epochs=1" 2>&1 | grep -q "$bin_dir/due-"; then fail "after make SET=..., a second one would rerun"; fi
# A report of a selection given on the command line has it in its name, beside the whole demo's report.md.
dry=$("${workflow[@]}" -n METHODS=due SET="classifier.epochs=1" 2>&1)
grep -q -- "--report .* --out $scratch/demo/report-methods-due.md" <<<"$dry" ||
  fail "make -n METHODS=due does not write report-methods-due.md: $(grep -- --report <<<"$dry")"
if grep -q "$bin_dir/due-train-classifier" <<<"$dry"; then fail "METHODS=due would rerun a classifier"; fi
# Shards: the merge job gets the shard files and nothing else (the preprocess slice is a prerequisite too).
merge=$("${workflow[@]}" -n PREPROCESS_SHARDS=2 RUNS="$scratch/shards" 2>&1 | grep -- "--merge")
[[ $merge == *"--merge $scratch/shards/demo/dataset.part-1-of-2.h5 $scratch/shards/demo/dataset.part-2-of-2.h5 --threads"* ]] ||
  fail "the merge job does not take exactly the two shards: $merge"
echo "workflow_e2e: ok"
