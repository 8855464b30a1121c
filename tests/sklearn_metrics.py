#!/usr/bin/python3
"""Scores the cases in a JSON file with scikit-learn, the independent implementation the [sklearn] test compares
due's metrics with. Input: {"classification": [{"scores", "labels", "predicted"}], "explanation": [{"cam", "mask",
"thresholds"}]}; output on stdout: the same lists with the metrics filled in."""
import json
import sys

import numpy as np
from sklearn import metrics


def classification(case):
    y, s, p = np.array(case["labels"]), np.array(case["scores"]), np.array(case["predicted"])
    precision, recall, _ = metrics.precision_recall_curve(y, s)
    return {
        "accuracy": metrics.accuracy_score(y, p),
        "roc_auc": metrics.roc_auc_score(y, s),
        "average_precision": metrics.average_precision_score(y, s),
        "pr_auc_trapezoid": metrics.auc(recall, precision),
        "precision": metrics.precision_score(y, p, zero_division=0),
        "recall": metrics.recall_score(y, p, zero_division=0),
        "f1": metrics.f1_score(y, p, zero_division=0),
        "specificity": metrics.recall_score(y, p, pos_label=0, zero_division=0),
    }


def explanation(case):
    mask = np.array(case["mask"]) > 0
    cam = np.array(case["cam"], dtype=np.float32).astype(np.float64)
    rows = []
    for t in case["thresholds"]:
        binary = cam > t
        rows.append({
            "iou": metrics.jaccard_score(mask, binary, zero_division=0),
            "precision": metrics.precision_score(mask, binary, zero_division=0),
            "recall": metrics.recall_score(mask, binary, zero_division=0),
            "f1": metrics.f1_score(mask, binary, zero_division=0),
        })
    return rows


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    json.dump({"classification": [classification(c) for c in cases["classification"]],
               "explanation": [explanation(c) for c in cases["explanation"]]}, sys.stdout)


if __name__ == "__main__":
    main()
