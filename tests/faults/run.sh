#!/usr/bin/env bash
# Fault injection against the eight tools (issue 29): full disks, kills, concurrent runs and bad inputs, each a
# case with what the tools promise (docs/reliability.md). Builds one tiny valid run first (tests/workflow/tiny.yaml,
# one thread), then runs every case in a scratch folder and prints one line per failed case and a summary.
#   tests/faults/run.sh [BIN_DIR]        BIN_DIR defaults to build/bin
#   FAULTS_QUICK=1 tests/faults/run.sh   one disk size and no kills (what ctest's fault_injection runs)
# Full disks are small tmpfs mounts when this runs as root, otherwise a file-size limit (ulimit -f): the kernel
# fails the writes either way ("No space left on device" or "File too large"). Exit status 0 when every case holds.
set -uo pipefail
cd "$(dirname "$0")/../.."
bin=$(realpath "${1:-build/bin}")
quick=${FAULTS_QUICK:-0}
scratch=$(mktemp -d)
mounts=()
cleanup() {
  for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done
  rm -rf "$scratch"
}
trap cleanup EXIT

C=(--config "$PWD/tests/workflow/tiny.yaml" --threads 1 --log-level error)
cases=0
failed=0
case_failed=0
fail() { echo "FAIL [$case_name]: $*"; case_failed=1; }
end_case() { failed=$((failed + case_failed)); case_failed=0; }
begin() { end_case; case_name=$1; cases=$((cases + 1)); }

# --- a valid tiny run: every tool's inputs -------------------------------------------------------------------
run=$scratch/run
mkdir -p "$run"
setup() { "$@" >"$scratch/setup.log" 2>&1 || { echo "faults: setup failed: $*"; cat "$scratch/setup.log"; exit 1; }; }
start=$(date +%s)
setup "$bin/due-preprocess" "${C[@]}" --out "$run/d.h5"
setup "$bin/due-train-interpolator" "${C[@]}" --data "$run/d.h5" --out "$run/i.pt"
setup "$bin/due-sample-variance" "${C[@]}" --data "$run/d.h5" --model "$run/i.pt" --out "$run/v.h5"
setup "$bin/due-train-np-vae" "${C[@]}" --data "$run/d.h5" --variance "$run/v.h5" --out "$run/n.pt"
setup "$bin/due-impute-annotations" "${C[@]}" --data "$run/d.h5" --variance "$run/v.h5" \
  --npvae "$run/n.pt" --interpolator diffusion --uncertainty npvae --out "$run/a.h5"
setup "$bin/due-train-classifier" "${C[@]}" --data "$run/d.h5" --annotations "$run/a.h5" --method due --out "$run/c.pt"
setup "$bin/due-explain" "${C[@]}" --data "$run/d.h5" --model "$run/c.pt" --out "$run/e.h5"
setup "$bin/due-evaluate" "${C[@]}" --data "$run/d.h5" --explanations "$run/e.h5" --tag method=due --out "$run/m.json"
echo "faults: a tiny valid run in $(( $(date +%s) - start )) s"

# Each stage as "name|command line" with OUT standing for its output folder.
stages=(
  "preprocess|$bin/due-preprocess ${C[*]} --out OUT/d.h5"
  "train-interpolator|$bin/due-train-interpolator ${C[*]} --data $run/d.h5 --out OUT/i.pt"
  "sample-variance|$bin/due-sample-variance ${C[*]} --data $run/d.h5 --model $run/i.pt --out OUT/v.h5"
  "train-np-vae|$bin/due-train-np-vae ${C[*]} --data $run/d.h5 --variance $run/v.h5 --out OUT/n.pt"
  "impute-annotations|$bin/due-impute-annotations ${C[*]} --data $run/d.h5 --variance $run/v.h5 --npvae $run/n.pt --interpolator diffusion --uncertainty npvae --export-nifti OUT/nifti --out OUT/a.h5"
  "train-classifier|$bin/due-train-classifier ${C[*]} --data $run/d.h5 --annotations $run/a.h5 --method due --out OUT/c.pt"
  "explain-png|$bin/due-explain ${C[*]} --data $run/d.h5 --model $run/c.pt --png OUT/png --out OUT/e.h5"
  "explain-nifti|$bin/due-explain ${C[*]} --data $run/d.h5 --model $run/c.pt --nifti OUT/nifti --out OUT/e.h5"
  "evaluate|$bin/due-evaluate ${C[*]} --data $run/d.h5 --explanations $run/e.h5 --tag method=due --out OUT/m.json"
  "report|$bin/due-evaluate --report --metrics $run/m.json --out OUT/report.md"
)
stage_name() { echo "${1%%|*}"; }
stage_command() { local c=${1#*|}; echo "${c//OUT/$2}"; }

# Files under a temporary name or a lock file left anywhere below $1.
leftovers() { find "$1" \( -name '.*.tmp-*' -o -name '.*.lock' \) 2>/dev/null; }
# Every PNG, NIfTI, HDF5 and JSON file below $1 is whole (a truncated one fails its format's own check).
check_whole() {
  local f
  while IFS= read -r f; do
    case $f in
      *.png) [[ $(head -c 8 "$f" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] &&
               [[ $(tail -c 8 "$f" | head -c 4) == IEND ]] || fail "truncated PNG $f" ;;
      *.nii.gz) gzip -t "$f" 2>/dev/null || fail "truncated NIfTI $f" ;;
      *.h5) h5dump -H "$f" >/dev/null 2>&1 || fail "unreadable HDF5 $f" ;;
      *.json) python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$f" 2>/dev/null || fail "truncated JSON $f" ;;
    esac
  done < <(find "$1" -type f ! -name '.*')
}
# A failed write: exit 2 and one line naming a file below $3 with the cause.
check_failed_write() {
  local rc=$1 log=$2 dir=$3
  if [[ $rc -eq 0 ]]; then check_whole "$dir"; return; fi  # it fitted
  [[ $rc -eq 2 ]] || { fail "exit $rc, expected 2: $(head -c 300 "$log")"; return; }
  [[ $(grep -c . "$log") -eq 1 ]] || { fail "$(grep -c . "$log") lines, expected one: $(head -c 400 "$log")"; return; }
  grep -q "error: $dir/.*: cannot .*($cause)" "$log" || fail "no file and cause in: $(cat "$log")"
  [[ -z $(leftovers "$dir") ]] || fail "left $(leftovers "$dir" | tr '\n' ' ')"
  check_whole "$dir"
}

# A small disk at $1 of $2 bytes, and the prefix that limits a command to it.
if [[ $(id -u) -eq 0 ]] && mkdir -p "$scratch/probe" && mount -t tmpfs -o size=4k due-faults "$scratch/probe" 2>/dev/null; then
  umount "$scratch/probe"
  tmpfs=1
  cause="No space left on device"
else
  tmpfs=0
  cause="File too large"
fi
small_disk() {
  mkdir -p "$1"
  if [[ $tmpfs -eq 1 ]]; then
    mount -t tmpfs -o size="$2" due-faults "$1" && mounts+=("$1")
    limit=""
  else
    limit="trap '' XFSZ; ulimit -f $(( $2 / 512 ));"
  fi
}

# --- full disks: every stage at several sizes ------------------------------------------------------------------
sizes=(8192 65536 262144)
[[ $quick -eq 1 ]] && sizes=(16384)
for stage in "${stages[@]}"; do
  for size in "${sizes[@]}"; do
    begin "full disk $(stage_name "$stage") ${size}B"
    dir=$scratch/disk-$cases
    small_disk "$dir" "$size"
    bash -c "$limit $(stage_command "$stage" "$dir")" >"$dir.log" 2>&1
    check_failed_write $? "$dir.log" "$dir"
  done
done

# --- kills: SIGKILL mid-run, then the same command again ------------------------------------------------------
if [[ $quick -eq 0 ]]; then
  for stage in "${stages[@]}"; do
    for delay in 1.5 4; do
      begin "kill $(stage_name "$stage") after ${delay}s, then rerun"
      dir=$scratch/kill-$cases
      mkdir -p "$dir"
      command=$(stage_command "$stage" "$dir")
      bash -c "exec $command" >/dev/null 2>&1 &
      pid=$!
      sleep "$delay"
      kill -KILL "$pid" 2>/dev/null
      wait "$pid" 2>/dev/null
      check_whole "$dir"  # nothing half-written under a final name
      bash -c "$command" >"$dir.log" 2>&1 || { fail "rerun exit $?: $(head -c 300 "$dir.log")"; continue; }
      [[ -z $(find "$dir" -name '.*.tmp-*') ]] || fail "the rerun left $(find "$dir" -name '.*.tmp-*' | tr '\n' ' ')"
      check_whole "$dir"
    done
  done
fi

# --- races: a second run of an output that is being written -----------------------------------------------------
for stage in "${stages[@]}"; do
  begin "second run of $(stage_name "$stage")'s output while the first holds it"
  dir=$scratch/race-$cases
  mkdir -p "$dir"
  command=$(stage_command "$stage" "$dir")
  out=$(sed -E 's/.*--out ([^ ]+).*/\1/' <<<"$command")
  lock="$(dirname "$out")/.$(basename "$out").lock"
  # The first run is played by this shell holding the lock (flock(1) on the same file), the way a tool holds it.
  exec {held}>"$lock"
  flock -n "$held" || fail "cannot take $lock"
  bash -c "$command" >"$dir.log" 2>&1
  rc=$?
  flock -u "$held"
  exec {held}>&-
  rm -f "$lock"
  [[ $rc -eq 2 ]] || { fail "exit $rc, expected 2"; continue; }
  grep -q "$out: another run.* is writing this output" "$dir.log" || fail "no holder named: $(cat "$dir.log")"
  [[ ! -e $out ]] || fail "$out was written"
done
begin "two train-classifier runs on one --out: one trains, one exits 2, the log is whole"
dir=$scratch/race-classifiers
mkdir -p "$dir"
command="$bin/due-train-classifier ${C[*]} --data $run/d.h5 --annotations $run/a.h5 --method due --out $dir/c.pt"
bash -c "$command --epochs 30" >"$dir/1.log" 2>&1 &  # long enough for the second to start meanwhile
first=$!
for _ in $(seq 200); do [[ -e $dir/.c.pt.lock ]] && break; sleep 0.05; done
bash -c "$command" >"$dir/2.log" 2>&1
second=$?
wait "$first"
first=$?
[[ $first -eq 0 && $second -eq 2 ]] || fail "exits $first and $second, expected 0 and 2"
[[ $(awk -F, '{print NF}' "$dir/c.pt.log.csv" | sort -u | wc -l) -eq 1 ]] || fail "log rows of different lengths"

# --- bad inputs: each input replaced by a truncated, an empty or a non-HDF5 file ------------------------------------
truncated=$scratch/bad/truncated.h5
mkdir -p "$scratch/bad"
head -c 3000 "$run/d.h5" >"$truncated"
: >"$scratch/bad/empty.h5"
echo "not a file of ours" >"$scratch/bad/text.pt"
for stage in "${stages[@]:1:8}"; do
  for bad in "$truncated" "$scratch/bad/empty.h5" "$scratch/bad/text.pt"; do
    begin "$(stage_name "$stage") with --data $(basename "$bad")"
    dir=$scratch/bad-$cases
    mkdir -p "$dir"
    command=$(stage_command "$stage" "$dir")
    bash -c "${command/"--data $run/d.h5"/"--data $bad"}" >"$dir.log" 2>&1
    rc=$?
    [[ $rc -eq 2 ]] || { fail "exit $rc, expected 2: $(head -c 300 "$dir.log")"; continue; }
    [[ $(grep -c . "$dir.log") -eq 1 ]] || fail "$(grep -c . "$dir.log") lines: $(head -c 300 "$dir.log")"
    grep -q "$(basename "$bad")" "$dir.log" || fail "the file is not named: $(cat "$dir.log")"
    [[ -z $(find "$dir" -type f) ]] || fail "left $(find "$dir" -type f | tr '\n' ' ')"
  done
done

end_case
passed=$((cases - failed))
echo "faults: $cases cases, $passed passed, $failed failed ($(( $(date +%s) - start )) s; full disks by $([[ $tmpfs -eq 1 ]] && echo tmpfs || echo 'ulimit -f'))"
[[ $failed -eq 0 ]]
