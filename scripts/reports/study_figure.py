#!/usr/bin/python3
"""Draws a study's figure: STUDY_DIR/figure.png, the test accuracy of every cell (mean and 95%
interval over its seeds) with one line (numeric axes: batch size, learning rate, a numeric grid
value) or one bar (other axes) per norm; a second panel for the over-fitting gap when the study
file's "readme" asks for it ("gap": true).

    /usr/bin/python3 scripts/reports/study_figure.py studies/NAME
"""
import json
import os
import sys

from study_results import NORM_ORDER, Study
from study_statistics import half_width, mean_sd


def color(norm):
    """One colour per norm in every figure."""
    return f"C{NORM_ORDER.index(norm)}"


def bars(means, widths, field):
    """Error bars of the 95% intervals, cut at 0% and 100% for accuracies (an interval of 3 seeds can
    reach past them; accuracy cannot)."""
    if field != "testAccuracy":
        return widths
    return [[min(w, m) for m, w in zip(means, widths)], [min(w, 100 - m) for m, w in zip(means, widths)]]


def draw_figure(directory):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    name = os.path.basename(os.path.normpath(directory))
    study = Study(name, directory)
    numeric_axis = None
    if len({c[0] for c in study.columns}) == len(study.columns) and len(study.columns) > 2:
        numeric_axis = ("batch size", [c[0] for c in study.columns])
    elif len({c[1] for c in study.columns}) == len(study.columns) and len(study.columns) > 2:
        numeric_axis = ("learning rate", [c[1] for c in study.columns])
    elif study.columns and study.columns[0][2] and all(
            isinstance(json.loads(c[2][0][1]), (int, float)) and not isinstance(json.loads(c[2][0][1]), bool)
            for c in study.columns) and len(study.columns) > 2:
        numeric_axis = (study.columns[0][2][0][0], [json.loads(c[2][0][1]) for c in study.columns])
    panels = [("testAccuracy", "test accuracy (%)")]
    if study.readme.get("gap"):
        for c in study.results["cells"]:
            if c.get("trainEvalAccuracy") is not None and c.get("testAccuracy") is not None:
                c["overfitting"] = c["trainEvalAccuracy"] - c["testAccuracy"]
        panels.append(("overfitting", "train (inference mode) − test (points)"))
    figure, axes = plt.subplots(1, len(panels), figsize=(6.4 * len(panels), 4.2), squeeze=False)
    for axis, (field, ylabel) in zip(axes[0], panels):
        for index, norm in enumerate(study.norms):
            means, widths, xs = [], [], []
            for position, column in enumerate(study.columns):
                values = study.values(norm, column, field)
                if not values:
                    continue
                xs.append(numeric_axis[1][position] if numeric_axis else position + (index - (len(study.norms) - 1) / 2) * 0.8 / max(len(study.norms), 1))
                means.append(mean_sd(values)[0] * 100)
                widths.append((half_width(values) or 0) * 100)
            if numeric_axis:
                axis.errorbar(xs, means, yerr=bars(means, widths, field), marker="o", capsize=3, label=norm,
                              color=color(norm))
            else:
                axis.bar(xs, means, width=0.8 / max(len(study.norms), 1), yerr=bars(means, widths, field), capsize=3,
                         label=norm, color=color(norm))
        if numeric_axis:
            # Batch sizes and rates on a log scale; other numeric values too, unless one is 0 (dropout).
            if min(numeric_axis[1]) > 0:
                axis.set_xscale("log", base=2 if numeric_axis[0] in ("batch size", "initGain") else 10)
            axis.set_xticks(numeric_axis[1])
            axis.set_xticklabels([f"{v:g}" for v in numeric_axis[1]])
            axis.set_xlabel(numeric_axis[0])
        else:
            axis.set_xticks(range(len(study.columns)))
            axis.set_xticklabels([study.column_title(c) for c in study.columns])
            if field == "testAccuracy":
                lows = [mean_sd(v)[0] * 100 for n in study.norms for c in study.columns if (v := study.values(n, c, field))]
                if lows:
                    axis.set_ylim(max(0, min(lows) - 5), min(100, max(lows) + 3))
        axis.set_ylabel(ylabel)
        axis.grid(True, alpha=0.3)
    axes[0][0].legend(fontsize=8)
    figure.suptitle(f"{study.definition['title']}\n(mean and 95% interval over {study.seeds()} seeds)", fontsize=10)
    figure.tight_layout()
    figure.savefig(os.path.join(study.directory, "figure.png"), dpi=80)
    plt.close(figure)



if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("use: study_figure.py STUDY_DIR (beside STUDY_DIR.json)")
    draw_figure(sys.argv[1])
