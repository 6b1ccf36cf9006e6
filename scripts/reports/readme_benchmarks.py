#!/usr/bin/python3
"""Regenerates the README's study sections from `cnntrain compare` study directories.

    /usr/bin/python3 scripts/reports/readme_benchmarks.py NAME=STUDY_DIR[:PART,PART...] ... [--readme README.md] [--check]

For every NAME, the README text between `<!-- study:begin NAME -->` and `<!-- study:end NAME -->`
is replaced by the command that made the study, its settings, its tables and its figures. The
figures (PNG files drawn by scripts/reports/plot_study.py) are copied into docs/figures/NAME-*.png.
Every number comes from the study's results.json; the prose around the markers is written by hand.

PARTs:
  accuracy    test accuracy per norm and batch size / learning rate, with each norm's best and the
              smallest batch size against that best; accuracy_vs_batch.png or accuracy_vs_lr.png
  gap         train − test accuracy
  curves      learning_curves.png
  speed       training and inference images/s, peak memory; throughput.png
  parameters  parameters per norm and per norm slot; parameters.png
  torch       PyTorch's test accuracy beside ours (added by itself when the study has it)
Default: accuracy,gap,curves.

--check writes nothing: it exits 1 when the README or a figure differs from what the studies give.
"""
import argparse
import filecmp
import json
import os
import re
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FIGURES = os.path.join(ROOT, "docs", "figures")
PARTS = ["accuracy", "gap", "curves", "speed", "parameters", "torch"]
NORM_ORDER = ["none", "batch", "syncbatch", "layer", "instance", "group"]
MAX_FIGURE_BYTES = 200 * 1024


class StudyError(Exception):
    pass


def fmt(value):
    """A learning rate or batch size as in cell ids: up to 6 significant digits (0.05, 0.0015625)."""
    return f"{value:.6g}"


def grouped(value):
    return f"{value:,}"


def show(stat, scale=100.0, digits=2):
    """'93.70' or '93.70 ± 0.12' (± only with more than one seed)."""
    if not stat:
        return ""
    text = f"{stat['mean'] * scale:.{digits}f}"
    if stat["count"] > 1:
        text += f" ± {stat['standardDeviation'] * scale:.{digits}f}"
    return text


def load(directory):
    path = os.path.join(directory, "results.json")
    if not os.path.exists(path):
        raise StudyError(f"{path} not found; make the study with `cnntrain compare --out {directory}` first")
    with open(path) as f:
        study = json.load(f)
    for key in ["command", "settings", "plan", "cells", "aggregates", "learningRateRule", "threads"]:
        if key not in study:
            raise StudyError(f"{path} has no '{key}'; is it a results.json written by cnntrain compare?")
    return study


class Table:
    """Rows are norms; columns are the study's (batch size, learning rate) pairs, by batch size, then rate."""

    def __init__(self, study):
        self.study = study
        self.norms = [n for n in NORM_ORDER if n in study["plan"]["norms"]]
        self.columns = []
        for a in study["aggregates"]:
            key = (a["batchSize"], a["learningRate"])
            if key not in self.columns:
                self.columns.append(key)
        self.columns.sort()
        self.batch_sizes = sorted({b for b, _ in self.columns})
        self.rates = sorted({r for _, r in self.columns})

    def heading(self, column):
        batch, rate = column
        if len(self.columns) == 1:
            return f"batch {batch}, lr {fmt(rate)}"
        if len(self.batch_sizes) == 1:
            return f"lr {fmt(rate)}"
        if all(len([c for c in self.columns if c[0] == b]) == 1 for b in self.batch_sizes):
            return f"batch {batch}"
        return f"batch {batch}, lr {fmt(rate)}"

    def aggregate(self, norm, column):
        return next((a for a in self.study["aggregates"]
                     if a["norm"] == norm and (a["batchSize"], a["learningRate"]) == column), None)

    def failure(self, norm, column):
        """'diverged' or 'failed', from the failed cells' reasons."""
        reasons = [c.get("error") or "" for c in self.study["cells"] if c["status"] != "ok" and c["cell"]["norm"] == norm
                   and (c["cell"]["batchSize"], c["cell"]["learningRate"]) == column]
        return "diverged" if any("diverged" in r or "NaN" in r for r in reasons) else "failed"

    def cell_text(self, norm, column, key, scale, digits):
        a = self.aggregate(norm, column)
        if a is None:
            return "–"
        if a["succeeded"] == 0:
            return self.failure(norm, column)
        text = show(a.get(key), scale, digits)
        if a["failed"]:
            text += f" ({a['failed']} of {a['failed'] + a['succeeded']} {self.failure(norm, column)})"
        return text

    def markdown(self, key, scale=100.0, digits=2, extra=None):
        """One row per norm; `extra` adds columns: (headings, function(norm) → cells)."""
        headings = [self.heading(c) for c in self.columns] + (extra[0] if extra else [])
        lines = ["| norm | " + " | ".join(headings) + " |", "| --- |" + " ---: |" * len(headings)]
        for norm in self.norms:
            cells = [self.cell_text(norm, c, key, scale, digits) for c in self.columns] + (extra[1](norm) if extra else [])
            lines.append(f"| {norm} | " + " | ".join(cells) + " |")
        return lines

    def inference(self, norm):
        """The median inference images/s over a norm's cells (it does not depend on the training batch size)."""
        values = sorted(c["inferenceImagesPerSecond"] for c in self.study["cells"]
                        if c["cell"]["norm"] == norm and c.get("inferenceImagesPerSecond"))
        if not values:
            return ["–"]
        middle = len(values) // 2
        return [f"{(values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2):.0f}"]

    def best_columns(self):
        """Each norm's best mean test accuracy, and the smallest batch size against it (batch studies)."""
        smallest = self.batch_sizes[0]
        small_columns = [c for c in self.columns if c[0] == smallest]
        against_small = len(self.batch_sizes) > 1 and len(small_columns) == 1
        if len(self.columns) < 2:
            return None
        headings = ["own best"] + ([f"batch {smallest} − own best (points)"] if against_small else [])

        def row(norm):
            means = [(a["testAccuracy"]["mean"], c) for c in self.columns
                     if (a := self.aggregate(norm, c)) and a.get("testAccuracy")]
            if not means:
                return ["–"] * len(headings)
            best, at = max(means)
            cells = [f"{best * 100:.2f} ({self.heading(at)})"]
            if against_small:
                small = self.aggregate(norm, small_columns[0])
                small = small and small.get("testAccuracy")
                difference = (small["mean"] - best) * 100 if small else None
                cells.append(self.failure(norm, small_columns[0]) if small is None
                             else "0 (the best)" if small["mean"] == best else f"{difference:+.2f}")
            return cells
        return headings, row


def settings_line(study):
    s = study["settings"]
    # --train-limit/--test-limit: the first N images in studies made before the limits became a
    # seeded, class-stratified subset, that subset since; the count is what both have in common.
    train = f"{grouped(s['trainLimit'])} training images (`--train-limit`)" if s.get("trainLimit") else "all training images"
    test = f"{grouped(s['testLimit'])} test images (`--test-limit`)" if s.get("testLimit") else "all test images"
    seeds = study["plan"]["seedCount"]
    cells = study["cells"]
    failed = [c for c in cells if c["status"] != "ok"]
    minutes = sum((c.get("epochSeconds") or 0) * s["epochs"] for c in cells) / 60
    parts = [f"model `{s['model']}`", f"data {s.get('data') or 'Fashion-MNIST'} ({train}, {test})",
             f"{s['epochs']} epoch{'s' if s['epochs'] != 1 else ''} per cell",
             f"seeds 1–{seeds}" if seeds > 1 else "seed 1",
             f"norm {s['normPosition']} the activation" + (f", {s['groups']} groups" if s.get("groups") else ""),
             f"{study['threads']} thread{'s' if study['threads'] != 1 else ''}",
             f"learning rate: {study['learningRateRule']}",
             f"{len(cells)} cells, {len(failed)} failed",
             f"training time summed over cells {minutes:.1f} min"]
    return "; ".join(parts) + "."


def linear_rates_line(study):
    rule = study["plan"]["rule"]
    table = Table(study)
    if "linear" not in rule or len(table.batch_sizes) < 2:
        return []
    return ["", "Learning rate per batch size: " + ", ".join(f"{b} → {fmt(r)}" for b, r in table.columns) + "."]


def first_sentence(text):
    """'training diverged: the loss became NaN at epoch 1, step 4 (learning rate 45.8)' of a longer message."""
    return re.split(r"(?<=[)\w])\. ", text, maxsplit=1)[0].rstrip(".")


def figure(name, study_dir, plot, alt, check, problems, figures, readme_dir):
    """Copies STUDY_DIR/PLOT.png to FIGURES/NAME-PLOT.png; returns the Markdown image line."""
    source = os.path.join(study_dir, plot + ".png")
    if not os.path.exists(source):
        raise StudyError(f"{source} not found; draw it with: /usr/bin/python3 scripts/reports/plot_study.py {study_dir}")
    size = os.path.getsize(source)
    if size > MAX_FIGURE_BYTES:
        raise StudyError(f"{source} is {size // 1024} KB; figures are kept under {MAX_FIGURE_BYTES // 1024} KB")
    target = os.path.join(figures, f"{name}-{plot}.png")
    if check:
        if not (os.path.exists(target) and filecmp.cmp(source, target, shallow=False)):
            problems.append(f"{os.path.relpath(target, ROOT)} differs from {source}")
    else:
        os.makedirs(figures, exist_ok=True)
        shutil.copyfile(source, target)
    return f"![{alt}]({os.path.relpath(target, readme_dir)})"


def section(name, study_dir, parts, args, problems):
    study = load(study_dir)

    def image(plot, alt):
        return figure(name, study_dir, plot, f"{name}: {alt}", args.check, problems, args.figures,
                      os.path.dirname(os.path.abspath(args.readme)))

    table = Table(study)
    if any(c.get("torchTestAccuracy") is not None for c in study["cells"]):
        parts = parts + ["torch"]
    lines = ["```sh", study["command"], "```", "", settings_line(study), ""]

    if "accuracy" in parts:
        lines += ["Test accuracy (%):", ""]
        lines += table.markdown("testAccuracy", extra=table.best_columns())
        lines += linear_rates_line(study)
        if len(table.batch_sizes) > 1:
            lines += ["", image("accuracy_vs_batch", "test accuracy against batch size")]
        elif len(table.rates) > 1:
            lines += ["", image("accuracy_vs_lr", "test accuracy against learning rate")]
    if "torch" in parts:
        lines += ["", "cnntrain and PyTorch 1.13 (`scripts/pytorch/torch_train.py`: the same layers, built from `cnntrain info "
                      "--json`, and the same recipe), test accuracy (%):", "",
                  "| norm | batch | lr | cnntrain | PyTorch | difference (points) |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
        for a in study["aggregates"]:
            ours, theirs = a.get("testAccuracy"), a.get("torchTestAccuracy")
            difference = f"{(ours['mean'] - theirs['mean']) * 100:+.2f}" if ours and theirs else ""
            lines.append(f"| {a['norm']} | {a['batchSize']} | {fmt(a['learningRate'])} | {show(ours)} | {show(theirs)} | {difference} |")
    if "gap" in parts:
        lines += ["", "Generalization gap, train − test accuracy (points; train accuracy is measured during each "
                      "epoch in training mode, with dropout, so it can be below the test accuracy in short runs):", ""]
        lines += table.markdown("generalizationGap")
    if "curves" in parts:
        lines += ["", image("learning_curves", "learning curves")]
    if "speed" in parts:
        lines += ["", "Training images/s (mean over epochs; the machine was shared, see above):", ""]
        lines += table.markdown("trainImagesPerSecond", scale=1, digits=0, extra=(["inference images/s (median over cells)"], table.inference))
        lines += ["", "Peak memory of the cell's process (MiB):", ""]
        lines += table.markdown("peakMemoryMiB", scale=1, digits=0)
        lines += ["", image("throughput", "speed and memory")]
    if "parameters" in parts:
        lines += ["", "| norm | total parameters | in norm layers | norm share |", "| --- | ---: | ---: | ---: |"]
        for norm in table.norms:
            a = next((a for a in study["aggregates"] if a["norm"] == norm and a.get("parameterCount")), None)
            if a:
                share = 100 * a["normParameterCount"] / a["parameterCount"]
                lines.append(f"| {norm} | {grouped(a['parameterCount'])} | {grouped(a['normParameterCount'])} | {share:.1f}% |")
        slots = study.get("normSlots") or []
        slot_norms = [n for n in table.norms if any(s["norm"] == n for s in slots)]
        if slot_norms:
            lines += ["", "| norm slot | shape | " + " | ".join(slot_norms) + " |", "| --- | --- |" + " ---: |" * len(slot_norms)]
            for ref in [s for s in slots if s["norm"] == slot_norms[0]]:
                counts = [next((grouped(s["parameters"]) for s in slots if s["norm"] == n and s["slot"] == ref["slot"]), "–")
                          for n in slot_norms]
                lines.append(f"| {ref['slot']} | {'×'.join(map(str, ref['shape']))} | " + " | ".join(counts) + " |")
        lines += ["", image("parameters", "parameters")]
    failed = [c for c in study["cells"] if c["status"] != "ok"]
    if failed:
        lines += ["", "Failed cells: " + "; ".join(f"`{c['id']}`: {first_sentence(c.get('error') or 'no reason recorded')}" for c in failed) + "."]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def parse_spec(text):
    match = re.fullmatch(r"([A-Za-z0-9_-]+)=([^:]+)(?::([a-z,]+))?", text)
    if not match:
        raise StudyError(f"'{text}' is not NAME=STUDY_DIR[:PART,...] (NAME: letters, digits, - or _)")
    name, directory, parts = match.groups()
    parts = parts.split(",") if parts else ["accuracy", "gap", "curves"]
    for part in parts:
        if part not in PARTS:
            raise StudyError(f"'{part}' in '{text}' is not a part; use {', '.join(PARTS)}")
    return name, directory, parts


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("studies", nargs="+", metavar="NAME=STUDY_DIR[:PART,...]")
    p.add_argument("--readme", default=os.path.join(ROOT, "README.md"))
    p.add_argument("--figures", default=FIGURES, help="where the figures are copied (default: docs/figures)")
    p.add_argument("--check", action="store_true", help="change nothing; exit 1 when the README or a figure is out of date")
    args = p.parse_args()
    try:
        with open(args.readme) as f:
            readme = f.read()
        problems = []
        text = readme
        for spec in args.studies:
            name, directory, parts = parse_spec(spec)
            begin, end = f"<!-- study:begin {name} -->", f"<!-- study:end {name} -->"
            if text.count(begin) != 1 or text.count(end) != 1 or text.index(begin) > text.index(end):
                raise StudyError(f"{args.readme} needs exactly one '{begin}' followed by one '{end}'")
            body = section(name, directory, parts, args, problems)
            text = text[:text.index(begin) + len(begin)] + "\n" + body + "\n" + text[text.index(end):]
    except (StudyError, OSError, json.JSONDecodeError) as error:
        sys.exit(f"error: {error}")
    if args.check:
        if text != readme:
            problems.append(f"{args.readme} differs from what the studies give")
        for problem in problems:
            print(problem, file=sys.stderr)
        sys.exit(1 if problems else 0)
    with open(args.readme, "w") as f:
        f.write(text)
    print(f"updated {args.readme}: " + ", ".join(parse_spec(s)[0] for s in args.studies))


if __name__ == "__main__":
    main()
