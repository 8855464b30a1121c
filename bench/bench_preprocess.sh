#!/usr/bin/env bash
# Preprocessing throughput and peak memory against the number of scans: the real LIDC-IDRI sample
# (../shared/data/lidc-sample) linked N times under distinct patient names, prepared at the paper's block size.
#   bench/bench_preprocess.sh [THREADS] [N ...]      (defaults: all cores; 2 8 32)
set -euo pipefail
cd "$(dirname "$0")/.."
sample=${LIDC_SAMPLE:-$(cd .. && pwd)/shared/data/lidc-sample}
[[ -d "$sample" ]] || { echo "bench_preprocess: no LIDC sample at $sample" >&2; exit 2; }
threads=${1:-0}
shift || true
counts=("$@")
[[ ${#counts[@]} -gt 0 ]] || counts=(2 8 32)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
patients=("$sample"/LIDC-IDRI-*)
printf '%8s %8s %10s %12s %12s\n' scans samples seconds scans/min peak_MB
for n in "${counts[@]}"; do
  root="$work/root-$n"
  mkdir -p "$root"
  for ((k = 0; k < n; ++k)); do
    source_patient=${patients[$((k % ${#patients[@]}))]}
    ln -s "$source_patient" "$root/$(basename "$source_patient")-copy$k"
  done
  build/bin/due-preprocess --config pipelines/lidc.yaml --root "$root" --out "$work/out-$n.h5" --threads "$threads" \
    --set preprocess.split.train_fraction=0.5 --set preprocess.split.train_size=0 --log-level warn
  report="$work/preprocess_report.json"
  python3 - "$report" "$n" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"{sys.argv[2]:>8} {r['samples']:>8} {r['seconds']:>10.2f} {r['scans_per_minute']:>12.1f} {r['peak_rss_mb']:>12.1f}")
PY
done
