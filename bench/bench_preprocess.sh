#!/usr/bin/env bash
# Preprocessing throughput and peak memory against the number of scans: the real LIDC-IDRI sample
# (../shared/data/lidc-sample) linked N times under distinct patient names, prepared at the paper's block size,
# once by one process and once by SHARDS shard processes side by side (--shard K/SHARDS, then --merge).
#   bench/bench_preprocess.sh [THREADS] [N ...]      (defaults: all cores; 2 8 32)
#   SHARDS=2 (default): the shard processes; each gets THREADS/SHARDS threads (at least 1), the single one THREADS.
# Columns: processes; scans; samples; wall seconds of the whole run (shards: until the last part, then the merge);
# scans/min of the run (scans / wall); scans/min per process (its own scans / its own seconds, the mean over the
# parts); the largest peak resident memory of one process (MB); the merge's seconds and peak memory.
set -euo pipefail
cd "$(dirname "$0")/.."
sample=${LIDC_SAMPLE:-$(cd .. && pwd)/shared/data/lidc-sample}
[[ -d "$sample" ]] || { echo "bench_preprocess: no LIDC sample at $sample" >&2; exit 2; }
threads=${1:-0}
shift || true
counts=("$@")
[[ ${#counts[@]} -gt 0 ]] || counts=(2 8 32)
shards=${SHARDS:-2}
[[ "$threads" -gt 0 ]] || threads=$(nproc)
shard_threads=$((threads / shards))
((shard_threads >= 1)) || shard_threads=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
patients=("$sample"/LIDC-IDRI-*)
now() { date +%s.%N; }
common=(--config pipelines/lidc.yaml --set preprocess.split.train_fraction=0.5 --set preprocess.split.train_size=0
        --log-level warn)
echo "# $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at start; threads: single $threads, per shard $shard_threads"
printf '%9s %6s %8s %9s %10s %14s %9s %9s %8s\n' processes scans samples wall_s scans/min scans/min/proc peak_MB merge_s merge_MB
for n in "${counts[@]}"; do
  root="$work/root-$n"
  mkdir -p "$root"
  for ((k = 0; k < n; ++k)); do
    source_patient=${patients[$((k % ${#patients[@]}))]}
    ln -s "$source_patient" "$root/$(basename "$source_patient")-copy$k"
  done

  mkdir -p "$work/single-$n"
  start=$(now)
  build/bin/due-preprocess "${common[@]}" --root "$root" --out "$work/single-$n/dataset.h5" --threads "$threads"
  wall=$(python3 -c "print($(now) - $start)")
  python3 - "$work/single-$n/preprocess_report.json" "$wall" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); wall = float(sys.argv[2])
print(f"{1:>9} {r['scans']:>6} {r['samples']:>8} {wall:>9.2f} {60 * r['scans'] / wall:>10.1f} "
      f"{r['scans_per_minute']:>14.1f} {r['peak_rss_mb']:>9.1f} {'-':>9} {'-':>8}")
PY

  out="$work/sharded-$n"
  mkdir -p "$out"
  start=$(now)
  pids=()
  for ((k = 1; k <= shards; ++k)); do
    build/bin/due-preprocess "${common[@]}" --root "$root" --threads "$shard_threads" --shard "$k/$shards" \
      --out "$out/dataset.part-$k-of-$shards.h5" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
  merge_start=$(now)
  /usr/bin/time -f '%M' -o "$out/merge_kb" build/bin/due-preprocess --merge "$out"/dataset.part-*-of-$shards.h5 \
    --out "$out/dataset.h5" --log-level warn
  end=$(now)
  # Datasets only: the root attributes command_line and created differ by design.
  h5diff --exclude-attribute / "$work/single-$n/dataset.h5" "$out/dataset.h5" >/dev/null ||
    echo "bench_preprocess: the merged datasets differ from the single run's" >&2
  python3 - "$out/preprocess_report.json" "$(python3 -c "print($end - $start)")" \
    "$(python3 -c "print($end - $merge_start)")" "$(cat "$out/merge_kb")" "$shards" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); wall, merge, merge_kb, shards = float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
per_process = sum(p['scans_per_minute'] for p in r['parts']) / len(r['parts'])
print(f"{shards:>9} {r['scans']:>6} {r['samples']:>8} {wall:>9.2f} {60 * r['scans'] / wall:>10.1f} "
      f"{per_process:>14.1f} {r['peak_rss_mb']:>9.1f} {merge:>9.2f} {merge_kb / 1024:>8.1f}")
PY
done
echo "# load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
