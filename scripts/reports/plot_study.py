#!/usr/bin/python3
"""Draws the plots of a `cnntrain compare` study from its results.json and its cells' metrics.csv.

    /usr/bin/python3 scripts/reports/plot_study.py STUDY_DIR

Writes into STUDY_DIR:
  accuracy_vs_batch.png  test accuracy against batch size (log2 axis), one line per norm, ± std over seeds
                         (as Figure 1 of Wu & He, "Group Normalization", 2018); with two or more batch sizes
  accuracy_vs_lr.png     test accuracy against learning rate, one line per norm; with one batch size and
                         a list of learning rates (--lrs)
  learning_curves.png    test accuracy after each epoch, one line per norm, one panel per batch size
  throughput.png         training and inference images/s, and peak memory, per norm
  parameters.png         total parameters and parameters in norm layers, per norm, and the parameters of
                         each norm slot (log axes)
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

NORM_ORDER = ["none", "batch", "syncbatch", "layer", "instance", "group"]
COLORS = {"none": "#7f7f7f", "batch": "#1f77b4", "syncbatch": "#17becf", "layer": "#2ca02c", "instance": "#9467bd",
          "group": "#d62728"}
LABELS = {"none": "no norm", "batch": "BatchNorm", "syncbatch": "SyncBatchNorm", "layer": "LayerNorm",
          "instance": "InstanceNorm", "group": "GroupNorm"}


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
        limits.append(f"{settings['trainLimit']:,} training images")
    if settings.get("testLimit"):
        limits.append(f"{settings['testLimit']:,} test images")
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
    seeds = study["plan"]["seedCount"]
    fig, axes = plt.subplots(1, len(rates), figsize=(6.4 * len(rates), 4.8), squeeze=False)
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
                ax.errorbar(xs, ys, yerr=es if seeds > 1 else None, marker="o", capsize=3, color=COLORS[norm], label=LABELS[norm])
        ax.set_xscale("log", base=2)
        ax.minorticks_off()
        if rate is None and "linear" in study["plan"]["rule"]:
            # Under the linear scaling rule every batch size has its own rate: show it under the size.
            base = study["plan"]["rule"]["linear"]["base"]
            ax.set_xticks(batch_sizes, [f"{b}\nlr {fmt_lr(base * b / 64)}" for b in batch_sizes])
        else:
            ax.set_xticks(batch_sizes, [f"{b}" for b in batch_sizes])
        ax.set_xlabel("batch size (images per step, log₂ scale)")
        ax.set_ylabel("test accuracy (%)")
        ax.grid(True, alpha=0.3)
        ax.set_title("test accuracy vs batch size" + (f" (lr {fmt_lr(rate)})" if rate is not None else ""))
        ax.legend(title="norm")
    failed = [c["id"] for c in study["cells"] if c["status"] != "ok"]
    note = subtitle(study) + (f"\nnot shown (failed): {', '.join(failed)}" if failed else "") + \
        ("\nerror bars: ± std over seeds" if seeds > 1 else "")
    fig.text(0.5, 0.01, note, ha="center", va="bottom", fontsize=8)
    fig.tight_layout(rect=(0, 0.04 + 0.035 * note.count("\n") + 0.035, 1, 1))
    fig.savefig(os.path.join(out, "accuracy_vs_batch.png"), dpi=110)
    plt.close(fig)


def accuracy_vs_lr(study, out):
    """One batch size, several learning rates: test accuracy against lr, one line per norm. A failed
    (diverged) cell has no accuracy: its line breaks there, and an × in the norm's colour marks it
    in a strip above the plot."""
    rates = sorted(rates_of(study))
    batch = study["plan"]["batchSizes"][0]
    seeds = study["plan"]["seedCount"]
    norms = norms_of(study)
    failed_any = any(c["status"] != "ok" for c in study["cells"])
    if failed_any:
        fig, (strip, ax) = plt.subplots(2, 1, figsize=(8.2, 5.4), sharex=True, gridspec_kw={"height_ratios": [1, 5]})
    else:
        fig, ax = plt.subplots(figsize=(8.2, 4.8))
    for index, norm in enumerate(norms):
        xs, ys, es, failed = [], [], [], []
        for rate in rates:
            cells = [c for c in study["cells"] if c["cell"]["norm"] == norm and c["cell"]["learningRate"] == rate]
            mean, std = mean_std([c["testAccuracy"] * 100 for c in cells if c["status"] == "ok"])
            if mean is not None:
                xs.append(rate), ys.append(mean), es.append(std)
            elif cells:
                failed.append(rate)
                xs.append(rate), ys.append(float("nan")), es.append(0.0)  # breaks the line
        if any(not math.isnan(y) for y in ys):
            ax.errorbar(xs, ys, yerr=es if seeds > 1 else None, marker="o", capsize=3, color=COLORS[norm], label=LABELS[norm])
        if failed:
            strip.plot(failed, [len(norms) - 1 - index] * len(failed), "x", color=COLORS[norm], markersize=8, mew=2.5)
    if failed_any:
        strip.set_ylim(-0.7, len(norms) - 0.3)
        strip.set_yticks([])
        strip.set_ylabel("failed", rotation=0, ha="right", va="center")
        strip.grid(True, axis="x", alpha=0.3)
        strip.set_title(f"test accuracy vs learning rate (batch {batch})")
    ax.set_xscale("log")
    ax.set_xticks(rates)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.minorticks_off()
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("test accuracy (%)")
    ax.grid(True, alpha=0.3)
    if not failed_any:
        ax.set_title(f"test accuracy vs learning rate (batch {batch})")
    ax.legend(title="norm", fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    note = subtitle(study) + ("\n× in the top strip: that norm's run failed (diverged) at that rate, so it has no accuracy" if failed_any else "")
    fig.text(0.5, 0.01, note, ha="center", va="bottom", fontsize=8)
    fig.tight_layout(rect=(0, 0.14 if failed_any else 0.1, 1, 1))
    fig.savefig(os.path.join(out, "accuracy_vs_lr.png"), dpi=110)
    plt.close(fig)


def read_curve(study_dir, cell_id):
    path = os.path.join(study_dir, "cells", cell_id, "metrics.csv")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        rows = list(csv.DictReader(f))
    return [(int(r["epoch"]), float(r["test_accuracy"]) * 100) for r in rows]


def panels_of(study):
    """The (batch size, learning rate) pairs of the grid, as rows × columns of panels: one row per
    rate and one column per batch size when both vary, else a single row."""
    pairs = sorted({(c["cell"]["batchSize"], c["cell"]["learningRate"]) for c in study["cells"]})
    batch_sizes = sorted({b for b, _ in pairs})
    rates = sorted({r for _, r in pairs})
    if len(batch_sizes) > 1 and len(pairs) > len(batch_sizes):
        return [[(b, r) if (b, r) in pairs else None for b in batch_sizes] for r in rates]
    return [pairs]


def learning_curves(study, study_dir):
    panels = panels_of(study)
    rows, cols = len(panels), len(panels[0])
    height = 3.0 * rows + 1.3 + (0.8 if cols == 1 else 0)
    # At least 7.5 inches wide, so that a single panel still has room for the legend and the settings.
    fig, axes = plt.subplots(rows, cols, figsize=(max(3.4 * cols + 1.2, 7.5), height), squeeze=False, sharey=True)
    epochs = study["settings"]["epochs"]
    for row in range(rows):
        for col in range(cols):
            ax = axes[row][col]
            if panels[row][col] is None:
                ax.set_visible(False)
                continue
            b, rate = panels[row][col]
            failed = []
            for norm in norms_of(study):
                cells = [c for c in study["cells"] if c["cell"]["norm"] == norm and c["cell"]["batchSize"] == b
                         and c["cell"]["learningRate"] == rate]
                curves = [read_curve(study_dir, c["id"]) for c in cells if c["status"] == "ok"]
                curves = [c for c in curves if c]
                if cells and not curves:
                    failed.append(LABELS[norm])
                if not curves:
                    continue
                length = min(len(c) for c in curves)
                xs = [curves[0][i][0] for i in range(length)]
                stats = [mean_std([c[i][1] for c in curves]) for i in range(length)]
                ax.plot(xs, [m for m, _ in stats], marker="o", markersize=3, color=COLORS[norm], label=LABELS[norm])
                if len(curves) > 1:
                    ax.fill_between(xs, [m - s for m, s in stats], [m + s for m, s in stats], color=COLORS[norm], alpha=0.15)
            if failed:
                ax.text(0.03, 0.95, "failed: " + ", ".join(failed), transform=ax.transAxes, fontsize=8, color="#b00000",
                        va="top", bbox=dict(facecolor="white", edgecolor="none", alpha=0.8))
            ax.set_title(f"batch {b}, lr {fmt_lr(rate)}", fontsize=10)
            ax.set_xlabel("epoch")
            if epochs <= 12:
                ax.set_xticks(range(1, epochs + 1))
            if col == 0:
                ax.set_ylabel("test accuracy (%)")
            ax.grid(True, alpha=0.3)
    handles = {}
    for ax in axes.flat:
        for h, l in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(l, h)
    order = [LABELS[n] for n in NORM_ORDER if LABELS[n] in handles]
    # Legend and settings below the panels, sized in inches so that they fit any number of rows.
    fig.legend([handles[l] for l in order], order, loc="lower center", ncol=len(order), fontsize=8,
               bbox_to_anchor=(0.5, 0.32 / height))
    fig.suptitle("learning curves: test accuracy after each epoch" + (" (mean over seeds, band ± std)" if study["plan"]["seedCount"] > 1 else ""),
                 fontsize=11)
    fig.text(0.5, 0.005, subtitle(study), ha="center", va="bottom", fontsize=8)
    fig.tight_layout(rect=(0, 0.62 / height, 1, 1 - 0.25 / height))
    fig.savefig(os.path.join(study_dir, "learning_curves.png"), dpi=100)
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
            ax.bar(xs, ys, width, yerr=es if any(es) else None, capsize=2,
                   color=cmap(j / max(len(batch_sizes) - 1, 1) * 0.85), label=f"batch {b}")
        ax.set_xticks(range(len(norms)), [LABELS[n] for n in norms], rotation=15)
        ax.set_title(title + (" by training batch size" if len(batch_sizes) > 1 else f" (batch {batch_sizes[0]})"))
        ax.set_ylabel(title)
        ax.set_ylim(0, ax.get_ylim()[1] * 1.2)
        if len(batch_sizes) > 1:
            ax.legend(fontsize=8, loc="upper left", ncol=len(batch_sizes))
        ax.grid(True, axis="y", alpha=0.3)
    # Inference does not depend on the training batch size: one bar (the median) per norm, and a dot per
    # cell, so that the spread a loaded machine causes is visible rather than folded into a ± bar.
    ax = axes[1]
    for i, norm in enumerate(norms):
        values = sorted(c["inferenceImagesPerSecond"] for c in cells if c["cell"]["norm"] == norm and c.get("inferenceImagesPerSecond"))
        if not values:
            continue
        middle = len(values) // 2
        median = values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2
        ax.bar(i, median, 0.6, color=COLORS[norm], alpha=0.8)
        ax.plot([i] * len(values), values, "o", color="black", markersize=3)
    ax.set_xticks(range(len(norms)), [LABELS[n] for n in norms], rotation=15)
    ax.set_title("inference images/s (test set, batches of 256)\nbar: median over cells, dots: each cell", fontsize=11)
    ax.set_ylabel("inference images/s")
    ax.grid(True, axis="y", alpha=0.3)
    fig.suptitle(f"speed and memory, {study['threads']} thread{'s' if study['threads'] != 1 else ''} "
                 "(speed varies with machine load: compare within one study)", fontsize=11)
    fig.text(0.5, 0.01, subtitle(study).replace("\n", "; "), ha="center", va="bottom", fontsize=8)
    fig.tight_layout(rect=(0, 0.05, 1, 0.95))
    fig.savefig(os.path.join(out, "throughput.png"), dpi=110)
    plt.close(fig)


def parameters(study, out):
    """Total and norm parameters per norm; with the study's normSlots, a second panel with the
    parameters of each norm slot (where LayerNorm's per-element γ, β stand out)."""
    norms = norms_of(study)
    slots = study.get("normSlots") or []
    totals, in_norm = [], []
    for n in norms:
        cell = next((c for c in ok_cells(study) if c["cell"]["norm"] == n), None)
        totals.append(cell["parameterCount"] if cell else 0)
        in_norm.append(cell["normParameterCount"] if cell else 0)
    fig, axes = plt.subplots(1, 2 if slots else 1, figsize=(13 if slots else 7.5, 4.4), squeeze=False)
    ax = axes[0][0]
    xs = range(len(norms))
    bars_total = ax.bar([x - 0.2 for x in xs], totals, 0.4, label="all parameters", color="#4c72b0")
    bars_norm = ax.bar([x + 0.2 for x in xs], [max(v, 0.5) for v in in_norm], 0.4, label="in norm layers (γ, β)", color="#dd8452")
    for bars, values in [(bars_total, totals), (bars_norm, in_norm)]:
        for bar, value in zip(bars, values):
            ax.annotate(f"{value:,}", (bar.get_x() + bar.get_width() / 2, max(value, 0.5)), ha="center", va="bottom", fontsize=8,
                        xytext=(0, 2), textcoords="offset points")
    ax.set_yscale("log")
    ax.set_ylim(0.5, max(totals + [1]) * 30)
    ax.set_xticks(list(xs), [LABELS[n] for n in norms])
    ax.set_ylabel("parameters (log scale)")
    ax.set_title(f"{study['settings']['model']}: parameters of the whole model, per norm", fontsize=10)
    ax.legend(loc="upper left", ncol=2, fontsize=8)
    ax.grid(True, axis="y", alpha=0.3)
    if slots:
        ax = axes[0][1]
        slot_norms = [n for n in norms if any(s["norm"] == n for s in slots)]
        reference = [s for s in slots if s["norm"] == slot_norms[0]]
        width = 0.8 / len(slot_norms)
        for j, norm in enumerate(slot_norms):
            values = [next((s["parameters"] for s in slots if s["norm"] == norm and s["slot"] == r["slot"]), 0) for r in reference]
            positions = [i - 0.4 + width * (j + 0.5) for i in range(len(reference))]
            ax.bar(positions, values, width, color=COLORS[norm], label=LABELS[norm])
            for x, value in zip(positions, values):
                ax.annotate(f"{value:,}", (x, value), ha="center", va="bottom", fontsize=7, rotation=90,
                            xytext=(0, 2), textcoords="offset points")
        ax.set_yscale("log")
        ax.set_ylim(1, max(s["parameters"] for s in slots) * 60)
        ax.set_xticks(range(len(reference)), [f"slot {r['slot']}\n{'×'.join(map(str, r['shape']))}" for r in reference])
        ax.set_ylabel("γ and β parameters (log scale)")
        ax.set_title("parameters of each norm slot (C×H×W it normalizes)", fontsize=10)
        ax.legend(loc="upper right", ncol=len(slot_norms), fontsize=8)
        ax.grid(True, axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "parameters.png"), dpi=100)
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
    names = []
    if len(study["plan"]["batchSizes"]) > 1:
        accuracy_vs_batch(study, study_dir)
        names.append("accuracy_vs_batch.png")
    if len(rates_of(study)) > 1 and len(study["plan"]["batchSizes"]) == 1:
        accuracy_vs_lr(study, study_dir)
        names.append("accuracy_vs_lr.png")
    learning_curves(study, study_dir)
    throughput(study, study_dir)
    parameters(study, study_dir)
    names += ["learning_curves.png", "throughput.png", "parameters.png"]
    print("plots: " + ", ".join(os.path.join(study_dir, n) for n in names))


if __name__ == "__main__":
    main()
