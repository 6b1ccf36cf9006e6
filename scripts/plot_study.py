#!/usr/bin/python3
"""Draws the plots of a `cnntrain compare` study from its results.json and its cells' metrics.csv.

    /usr/bin/python3 scripts/plot_study.py STUDY_DIR

Writes into STUDY_DIR:
  accuracy_vs_batch.png  test accuracy against batch size (log2 axis), one line per norm, ± std over seeds
                         (as Figure 1 of Wu & He, "Group Normalization", 2018)
  learning_curves.png    test accuracy after each epoch, one line per norm, one panel per batch size
  throughput.png         training and inference images/s, and peak memory, per norm
  parameters.png         total parameters and parameters in norm layers, per norm (log axis)
Uses Debian's python3-matplotlib with the Agg backend (no display needed).
"""
import csv
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

NORM_ORDER = ["none", "batch", "layer", "instance", "group"]
COLORS = {"none": "#7f7f7f", "batch": "#1f77b4", "layer": "#2ca02c", "instance": "#9467bd", "group": "#d62728"}
LABELS = {"none": "no norm", "batch": "BatchNorm", "layer": "LayerNorm", "instance": "InstanceNorm", "group": "GroupNorm"}


def fmt_lr(value):
    return f"{value:.6g}"


def mean_std(values):
    values = [v for v in values if v is not None]
    if not values:
        return None, None
    mean = sum(values) / len(values)
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1)) if len(values) > 1 else 0.0
    return mean, std


def subtitle(study):
    settings = study["settings"]
    data = settings.get("data") or "Fashion-MNIST"
    limits = []
    if settings.get("trainLimit"):
        limits.append(f"{settings['trainLimit']} train")
    if settings.get("testLimit"):
        limits.append(f"{settings['testLimit']} test images")
    epochs = settings["epochs"]
    seeds = study["plan"]["seedCount"]
    return (f"{settings['model']} on {data}{' (' + ', '.join(limits) + ')' if limits else ''}, "
            f"{epochs} epoch{'s' if epochs != 1 else ''}, {seeds} seed{'s' if seeds != 1 else ''}\n"
            f"learning rate: {study['learningRateRule']}")


def norms_of(study):
    return [n for n in NORM_ORDER if n in study["plan"]["norms"]]


def rates_of(study):
    rule = study["plan"]["rule"]
    return rule["list"]["_0"] if "list" in rule else [None]


def ok_cells(study):
    return [c for c in study["cells"] if c["status"] == "ok"]


def accuracy_vs_batch(study, out):
    rates = rates_of(study)
    batch_sizes = sorted(study["plan"]["batchSizes"])
    fig, axes = plt.subplots(1, len(rates), figsize=(6.4 * len(rates), 4.6), squeeze=False)
    for ax, rate in zip(axes[0], rates):
        for norm in norms_of(study):
            xs, ys, es = [], [], []
            for b in batch_sizes:
                values = [c["testAccuracy"] * 100 for c in ok_cells(study)
                          if c["cell"]["norm"] == norm and c["cell"]["batchSize"] == b
                          and (rate is None or c["cell"]["learningRate"] == rate)]
                mean, std = mean_std(values)
                if mean is not None:
                    xs.append(b), ys.append(mean), es.append(std)
            if xs:
                ax.errorbar(xs, ys, yerr=es, marker="o", capsize=3, color=COLORS[norm], label=LABELS[norm])
        ax.set_xscale("log", base=2)
        ax.set_xticks(batch_sizes)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.minorticks_off()
        ax.set_xlabel("batch size (images per step, log₂ scale)")
        ax.set_ylabel("test accuracy (%)")
        ax.grid(True, alpha=0.3)
        ax.set_title("test accuracy vs batch size" + (f" (lr {fmt_lr(rate)})" if rate is not None else ""))
        ax.legend(title="norm")
    failed = [c["id"] for c in study["cells"] if c["status"] != "ok"]
    note = subtitle(study) + (f"\nnot shown (failed): {', '.join(failed)}" if failed else "") + "\nerror bars: ± std over seeds"
    fig.text(0.5, 0.01, note, ha="center", va="bottom", fontsize=8)
    fig.tight_layout(rect=(0, 0.16 if failed else 0.13, 1, 1))
    fig.savefig(os.path.join(out, "accuracy_vs_batch.png"), dpi=110)
    plt.close(fig)


def read_curve(study_dir, cell_id):
    path = os.path.join(study_dir, "cells", cell_id, "metrics.csv")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        rows = list(csv.DictReader(f))
    return [(int(r["epoch"]), float(r["test_accuracy"]) * 100) for r in rows]


def learning_curves(study, study_dir):
    rates = rates_of(study)
    batch_sizes = sorted(study["plan"]["batchSizes"])
    fig, axes = plt.subplots(len(rates), len(batch_sizes), figsize=(4.2 * len(batch_sizes), 3.6 * len(rates)),
                             squeeze=False, sharey=True)
    epochs = study["settings"]["epochs"]
    for row, rate in enumerate(rates):
        for col, b in enumerate(batch_sizes):
            ax = axes[row][col]
            for norm in norms_of(study):
                cells = [c for c in ok_cells(study) if c["cell"]["norm"] == norm and c["cell"]["batchSize"] == b
                         and (rate is None or c["cell"]["learningRate"] == rate)]
                curves = [read_curve(study_dir, c["id"]) for c in cells]
                curves = [c for c in curves if c]
                if not curves:
                    continue
                length = min(len(c) for c in curves)
                xs = [curves[0][i][0] for i in range(length)]
                stats = [mean_std([c[i][1] for c in curves]) for i in range(length)]
                ys = [s[0] for s in stats]
                ax.plot(xs, ys, marker="o", markersize=3, color=COLORS[norm], label=LABELS[norm])
                if len(curves) > 1:
                    ax.fill_between(xs, [m - s for m, s in stats], [m + s for m, s in stats], color=COLORS[norm], alpha=0.15)
            lr = rate if rate is not None else next((c["cell"]["learningRate"] for c in study["cells"] if c["cell"]["batchSize"] == b), None)
            ax.set_title(f"batch {b}" + (f", lr {fmt_lr(lr)}" if lr is not None else ""))
            ax.set_xlabel("epoch")
            ax.set_xticks(range(1, epochs + 1) if epochs <= 12 else None)
            if col == 0:
                ax.set_ylabel("test accuracy (%)")
            ax.grid(True, alpha=0.3)
    handles, labels = [], []
    for ax in axes.flat:
        for h, l in zip(*ax.get_legend_handles_labels()):
            if l not in labels:
                handles.append(h), labels.append(l)
    fig.legend(handles, labels, loc="center right", title="norm", fontsize=8)
    fig.suptitle("learning curves: test accuracy after each epoch (mean over seeds, band ± std)", fontsize=11)
    fig.text(0.5, 0.01, subtitle(study), ha="center", va="bottom", fontsize=8)
    fig.tight_layout(rect=(0, 0.09, 0.88, 0.95))
    fig.savefig(os.path.join(study_dir, "learning_curves.png"), dpi=110)
    plt.close(fig)


def throughput(study, out):
    norms = norms_of(study)
    batch_sizes = sorted(study["plan"]["batchSizes"])
    cells = ok_cells(study)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.4))
    width = 0.8 / max(len(batch_sizes), 1)
    cmap = plt.get_cmap("viridis")
    for panel, key, title in [(0, "trainImagesPerSecond", "training images/s"), (2, "peakMemoryMiB", "peak memory (MiB)")]:
        ax = axes[panel]
        for j, b in enumerate(batch_sizes):
            xs, ys, es = [], [], []
            for i, norm in enumerate(norms):
                mean, std = mean_std([c.get(key) for c in cells if c["cell"]["norm"] == norm and c["cell"]["batchSize"] == b])
                if mean is not None:
                    xs.append(i - 0.4 + width * (j + 0.5)), ys.append(mean), es.append(std)
            ax.bar(xs, ys, width, yerr=es, capsize=2, color=cmap(j / max(len(batch_sizes) - 1, 1) * 0.85),
                   label=f"batch {b}")
        ax.set_xticks(range(len(norms)), [LABELS[n] for n in norms], rotation=15)
        ax.set_title(title + " by training batch size")
        ax.set_ylabel(title)
        ax.set_ylim(0, ax.get_ylim()[1] * 1.2)
        ax.legend(fontsize=8, loc="upper left", ncol=len(batch_sizes))
        ax.grid(True, axis="y", alpha=0.3)
    ax = axes[1]
    means = [mean_std([c.get("inferenceImagesPerSecond") for c in cells if c["cell"]["norm"] == n]) for n in norms]
    ax.bar(range(len(norms)), [m or 0 for m, _ in means], yerr=[s or 0 for _, s in means], capsize=3,
           color=[COLORS[n] for n in norms])
    ax.set_xticks(range(len(norms)), [LABELS[n] for n in norms], rotation=15)
    ax.set_title("inference images/s (test set, batches of 256)")
    ax.set_ylabel("inference images/s")
    ax.grid(True, axis="y", alpha=0.3)
    fig.suptitle(f"speed and memory, {study['threads']} thread{'s' if study['threads'] != 1 else ''} "
                 "(mean ± std over cells; machine load affects speed)", fontsize=11)
    fig.text(0.5, 0.01, subtitle(study).replace("\n", "; "), ha="center", va="bottom", fontsize=8)
    fig.tight_layout(rect=(0, 0.05, 1, 0.95))
    fig.savefig(os.path.join(out, "throughput.png"), dpi=110)
    plt.close(fig)


def parameters(study, out):
    norms = norms_of(study)
    totals, in_norm = [], []
    for n in norms:
        cell = next((c for c in ok_cells(study) if c["cell"]["norm"] == n), None)
        totals.append(cell["parameterCount"] if cell else 0)
        in_norm.append(cell["normParameterCount"] if cell else 0)
    fig, ax = plt.subplots(figsize=(7.5, 4.4))
    xs = range(len(norms))
    bars_total = ax.bar([x - 0.2 for x in xs], totals, 0.4, label="all parameters", color="#4c72b0")
    bars_norm = ax.bar([x + 0.2 for x in xs], [max(v, 0.5) for v in in_norm], 0.4, label="in norm layers (γ, β)", color="#dd8452")
    for bars, values in [(bars_total, totals), (bars_norm, in_norm)]:
        for bar, value in zip(bars, values):
            ax.annotate(f"{value:,}", (bar.get_x() + bar.get_width() / 2, max(value, 0.5)), ha="center", va="bottom", fontsize=8,
                        xytext=(0, 2), textcoords="offset points")
    ax.set_yscale("log")
    ax.set_ylim(0.5, max(totals + [1]) * 100)
    ax.set_xticks(list(xs), [LABELS[n] for n in norms])
    ax.set_ylabel("parameters (log scale)")
    ax.set_title(f"{study['settings']['model']}: parameters per norm")
    ax.legend(loc="upper center", ncol=2, fontsize=8)
    ax.grid(True, axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "parameters.png"), dpi=110)
    plt.close(fig)


def main():
    if len(sys.argv) != 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        sys.exit(0 if len(sys.argv) == 2 else 2)
    study_dir = sys.argv[1]
    path = os.path.join(study_dir, "results.json")
    if not os.path.exists(path):
        sys.exit(f"error: {path} not found; run `cnntrain compare --out {study_dir}` first")
    with open(path) as f:
        study = json.load(f)
    if not ok_cells(study):
        sys.exit("error: no cell of this study succeeded; nothing to plot")
    accuracy_vs_batch(study, study_dir)
    learning_curves(study, study_dir)
    throughput(study, study_dir)
    parameters(study, study_dir)
    print("plots: " + ", ".join(os.path.join(study_dir, n) for n in
                                ["accuracy_vs_batch.png", "learning_curves.png", "throughput.png", "parameters.png"]))


if __name__ == "__main__":
    main()
