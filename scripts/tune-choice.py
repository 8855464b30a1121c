#!/usr/bin/env python3
"""Chooses the demo's classifier settings from VALIDATION metrics only (make -f Makefile.workflow tune).

Reads the metrics.csv files of the tuning runs (one per method, seed and point, each tagged tune=POINT), refuses
any file scored on another split than validation, and writes a Markdown table per point: the mean validation IoU
(volume) of each method over the seeds, their mean (the criterion), and the validation PR-AUC (AP). The chosen
point has the highest criterion; points within 0.005 of it count as ties, and a tie goes to the cheaper point
(fewer epochs, then smaller width, then fewer patients), since nothing measured tells them apart.

Why this criterion: it asks how well explanations can be learnt and scored at a setting, over every rung of the
ladder, not whether one method wins; choosing on one method's margin would tune the comparison itself.
Exit status 2 with one line naming the file on bad input.
"""
import argparse
import os
import csv
import math
import re
import statistics
import sys

TIE = 0.005
LADDER = ["baseline", "baseline-plus", "due-unweighted", "due"]  # their order in the table; others after


def fail(message):
    print(f"tune-choice: {message}", file=sys.stderr)
    sys.exit(2)


def read_rows(paths):
    rows = []
    for path in paths:
        try:
            with open(path, newline="") as f:
                table = list(csv.DictReader(f))
        except OSError as error:
            fail(f"{path}: cannot read ({error.strerror})")
        if len(table) != 1:
            fail(f"{path}: expected one row of metrics, found {len(table)}")
        row = table[0]
        for column in ("tune", "method", "seed", "split", "iou_volume", "average_precision"):
            if column not in row:
                fail(f"{path}: has no column '{column}' (not a tuning run's metrics.csv?)")
        if row["split"] != "validation":
            fail(f"{path}: scored on the '{row['split']}' split; settings are chosen on validation only")
        row["path"] = path
        rows.append(row)
    if not rows:
        fail("no metrics.csv given")
    return rows


def number(text):
    try:
        value = float(text)
    except ValueError:
        return math.nan
    return value


def mean_sd(values):
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return math.nan, math.nan
    return statistics.fmean(finite), (statistics.stdev(finite) if len(finite) > 1 else math.nan)


def cost(point):
    """(epochs, width, patients) read from the point's name, for the tie rule."""
    def field(name, default):
        found = re.search(name + r"(\d+)", point)
        return int(found.group(1)) if found else default
    return field("epochs", 0), field("width", 0), field("patients", 0)


def seeds_text(seeds):
    """'data seed 1: seeds 1, 2' for the (data seed, seed) pairs."""
    by_data_seed = {}
    for data_seed, seed in seeds:
        by_data_seed.setdefault(data_seed or "?", []).append(seed)
    return "; ".join(f"data seed {d}: seeds {', '.join(s)}" for d, s in sorted(by_data_seed.items()))


def text(value):
    return "n/a" if not math.isfinite(value) else f"{value:.3f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="the choice, Markdown")
    parser.add_argument("metrics", nargs="+", help="metrics.csv of the tuning runs")
    args = parser.parse_args()
    rows = read_rows(args.metrics)

    methods = sorted({r["method"] for r in rows}, key=lambda m: (LADDER.index(m) if m in LADDER else len(LADDER), m))
    points = sorted({r["tune"] for r in rows})
    seeds = sorted({(r.get("data_seed", ""), r["seed"]) for r in rows})
    summary = {}
    for point in points:
        iou, ap = {}, {}
        for method in methods:
            runs = [r for r in rows if r["tune"] == point and r["method"] == method]
            iou[method] = mean_sd([number(r["iou_volume"]) for r in runs])
            ap[method] = mean_sd([number(r["average_precision"]) for r in runs])
        criterion = statistics.fmean([iou[m][0] for m in methods]) if all(math.isfinite(iou[m][0]) for m in methods) else math.nan
        mean_ap = statistics.fmean([ap[m][0] for m in methods]) if all(math.isfinite(ap[m][0]) for m in methods) else math.nan
        summary[point] = (criterion, mean_ap, iou, ap)

    best = max((summary[p][0] for p in points if math.isfinite(summary[p][0])), default=math.nan)
    if not math.isfinite(best):
        fail("no point has a finite validation IoU for every method")
    tied = [p for p in points if math.isfinite(summary[p][0]) and summary[p][0] >= best - TIE]
    chosen = min(tied, key=cost)

    out = []
    out.append("# Demo settings chosen on the validation split\n")
    out.append(f"From {len(rows)} validation metrics files: {len(points)} settings x {len(methods)} methods "
               f"({', '.join(methods)}) x {len(seeds)} seed(s) ({seeds_text(seeds)}). "
               "Criterion: the mean over the methods of their mean validation IoU (volume); points within "
               f"{TIE} of the best tie and the cheapest of them is chosen (fewer epochs, then width, then patients). "
               "No test-split number was read.\n")
    header = "| settings | criterion: mean val IoU (volume) | " + " | ".join(f"{m} val IoU" for m in methods) + \
             " | mean val PR-AUC (AP) | " + " | ".join(f"{m} val PR-AUC" for m in methods) + " |"
    out.append(header)
    out.append("|" + " --- |" * (3 + 2 * len(methods)))
    for point in sorted(points, key=lambda p: -summary[p][0] if math.isfinite(summary[p][0]) else math.inf):
        criterion, mean_ap, iou, ap = summary[point]
        cells = [f"**{point}**" if point == chosen else point, text(criterion)]
        cells += [f"{text(iou[m][0])} ± {text(iou[m][1])}" for m in methods]
        cells += [text(mean_ap)]
        cells += [f"{text(ap[m][0])} ± {text(ap[m][1])}" for m in methods]
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    out.append(f"**Chosen: {chosen}** (criterion {text(summary[chosen][0])}"
               + (f"; tied within {TIE}: {', '.join(p for p in tied if p != chosen)}" if len(tied) > 1 else "") + ").")
    document = "\n".join(out) + "\n"
    temporary = args.out + ".partial"
    with open(temporary, "w") as f:
        f.write(document)
    os.replace(temporary, args.out)
    print(document, end="")


if __name__ == "__main__":
    main()
