#!/usr/bin/python3
"""The README's "course notes, measured" blocks and each study's figure, from the committed studies.

    /usr/bin/python3 scripts/reports/claims.py              rewrite the README blocks (and draw missing figures)
    /usr/bin/python3 scripts/reports/claims.py --check      exit 1 when a README block differs from the results
    /usr/bin/python3 scripts/reports/claims.py --figure studies/NAME   draw studies/NAME/figure.png

A study is a file `studies/NAME.json` (see `cnntrain study --help`); `cnntrain study studies/NAME.json`
writes its results to `studies/NAME/results.json`. For each study with results, the README text between
`<!-- claim:begin NAME -->` and `<!-- claim:end NAME -->` is replaced by: the command, the recipe, the
runtime, a table of test accuracy (mean ± half-width of the 95% interval over seeds, Student's t), and
Welch's two-sided t-tests of the differences the study file's "readme" section asks for:

    "readme": {"compare": "rows", "reference": "batch"}   each norm against the reference norm, per column
    "readme": {"compare": "columns"}                      each column against the first, per norm
    "gap": true      also the over-fitting table (train accuracy in inference mode − test accuracy)
    "spread": true   also each norm's spread across the columns (max − min of the means)
    "testColumns": [0, -1]   test only these columns (indices) in "rows" mode

The prose around the markers is written by hand; every number inside them comes from results.json.
"""
import argparse
import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
STUDIES = os.path.join(ROOT, "studies")
README = os.path.join(ROOT, "README.md")
NORM_ORDER = ["none", "batch", "syncbatch", "layer", "instance", "group"]
ALPHA = 0.05


# ---------------------------------------------------------------- statistics

def t_quantile(probability, dof):
    """Student's t quantile (scipy when present; else the value by bisection of the CDF)."""
    try:
        from scipy import stats
        return float(stats.t.ppf(probability, dof))
    except ImportError:
        low, high = 0.0, 1000.0
        for _ in range(200):
            middle = (low + high) / 2
            if t_cdf(middle, dof) < probability:
                low = middle
            else:
                high = middle
        return (low + high) / 2


def t_cdf(x, dof):
    """Student's t CDF via the regularized incomplete beta function (continued fraction)."""
    try:
        from scipy import stats
        return float(stats.t.cdf(x, dof))
    except ImportError:
        pass
    z = dof / (dof + x * x)
    tail = 0.5 * incomplete_beta(dof / 2, 0.5, z)
    return 1 - tail if x > 0 else tail


def incomplete_beta(a, b, x):
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log(1 - x))
    if x > (a + 1) / (a + b + 2):
        return 1 - incomplete_beta(b, a, 1 - x)
    f, c, d = 1.0, 1.0, 0.0
    for i in range(400):
        m = i // 2
        if i == 0:
            numerator = 1.0
        elif i % 2 == 0:
            numerator = (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m))
        else:
            numerator = -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1))
        d = 1 + numerator * d
        d = 1 / (d if abs(d) > 1e-300 else 1e-300)
        c = 1 + numerator / (c if abs(c) > 1e-300 else 1e-300)
        f *= c * d
        if abs(1 - c * d) < 1e-12:
            break
    return front * (f - 1) / a


def mean_sd(values):
    n = len(values)
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
    return mean, sd


def half_width(values):
    """Half-width of the 95% interval of the mean (Student's t, n − 1 degrees of freedom)."""
    n = len(values)
    if n < 2:
        return None
    return t_quantile(0.975, n - 1) * mean_sd(values)[1] / math.sqrt(n)


def welch(a, b):
    """Welch's two-sided t-test of mean(a) − mean(b): (difference, 95% interval half-width, p)."""
    (ma, sa), (mb, sb) = mean_sd(a), mean_sd(b)
    va, vb = sa * sa / len(a), sb * sb / len(b)
    difference = ma - mb
    if va + vb == 0:
        return difference, 0.0, (1.0 if difference == 0 else 0.0)
    # Welch–Satterthwaite degrees of freedom.
    dof = (va + vb) ** 2 / (va * va / (len(a) - 1) + vb * vb / (len(b) - 1))
    t = difference / math.sqrt(va + vb)
    p = 2 * (1 - t_cdf(abs(t), dof))
    return difference, t_quantile(0.975, dof) * math.sqrt(va + vb), p


# ---------------------------------------------------------------- reading a study

class Study:
    def __init__(self, name, directory=None):
        """The study `studies/NAME.json` with its results in `studies/NAME/` (or the file DIRECTORY.json)."""
        self.name = name
        self.directory = directory or os.path.join(STUDIES, name)
        with open(os.path.normpath(self.directory) + ".json") as f:
            self.definition = json.load(f)
        with open(os.path.join(self.directory, "results.json")) as f:
            self.results = json.load(f)
        self.readme = self.definition.get("readme", {})
        cells = self.results["cells"]
        self.norms = [n for n in NORM_ORDER if n in self.results["plan"]["norms"]]
        self.columns = []
        for cell in cells:
            key = self.column_key(cell["cell"])
            if key not in self.columns:
                self.columns.append(key)

    @staticmethod
    def column_key(cell):
        settings = tuple((s["key"], json.dumps(s["value"])) for s in (cell.get("settings") or []))
        return (cell["batchSize"], cell["learningRate"], settings)

    def column_title(self, key):
        """Only what varies between columns: 'batch 8', 'lr 0.4', 'dropout 0.5'."""
        parts = lambda k: [f"batch {k[0]}", f"lr {k[1]:.6g}"] + [f"{name} {label(json.loads(v))}" for name, v in k[2]]
        if len(self.columns) == 1:
            return ", ".join(parts(key))
        lists = [parts(k) for k in self.columns]
        varying = []
        for i in range(len(lists[0])):
            if len({l[i] for l in lists}) < 2:
                continue
            # A part that follows from an earlier varying one (the linear rule's lr from the batch) says nothing new.
            determined = any(all(len({l[i] for l in lists if l[j] == value}) == 1 for value in {l[j] for l in lists})
                             for j in varying)
            if not determined:
                varying.append(i)
        return ", ".join(parts(key)[i] for i in varying)

    def values(self, norm, column, field):
        return [c[field] for c in self.results["cells"] if c["status"] == "ok" and c["cell"]["norm"] == norm
                and self.column_key(c["cell"]) == column and c.get(field) is not None]

    def failures(self, norm, column):
        return [c for c in self.results["cells"] if c["status"] != "ok" and c["cell"]["norm"] == norm
                and self.column_key(c["cell"]) == column]

    def seeds(self):
        return self.results["plan"]["seedCount"]

    def runtime_minutes(self):
        return sum(c.get("wallSeconds") or 0 for c in self.results["cells"]) / 60


def label(value):
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


# ---------------------------------------------------------------- the README block

def cell_text(study, norm, column, field, scale=100.0):
    values = study.values(norm, column, field)
    failed = study.failures(norm, column)
    reason = "diverged" if any("diverged" in (c.get("error") or "") for c in failed) else "failed"
    if not values:
        return reason if failed else "–"
    mean, _ = mean_sd(values)
    text = f"{mean * scale:.2f}"
    width = half_width(values)
    if width is not None:
        text += f" ± {width * scale:.2f}"
    if failed:
        text += f" ({len(failed)} of {len(failed) + len(values)} {reason})"
    return text


def table(study, field, scale=100.0):
    titles = [study.column_title(c) for c in study.columns]
    lines = ["| norm | " + " | ".join(titles) + " |", "| --- |" + " ---: |" * len(titles)]
    for norm in study.norms:
        lines.append(f"| {norm} | " + " | ".join(cell_text(study, norm, c, field, scale) for c in study.columns) + " |")
    return lines


def comparison_lines(study, field, what):
    """Welch's t-tests the study file asks for, one line each, in percentage points."""
    mode = study.readme.get("compare", "none")
    pairs = []
    if mode == "rows" and study.readme.get("reference") in study.norms:
        reference = study.readme["reference"]
        # "testColumns": the columns (by index) whose norms are tested; default every column.
        indices = study.readme.get("testColumns")
        columns = [study.columns[i] for i in indices if -len(study.columns) <= i < len(study.columns)] \
            if indices else study.columns
        for column in columns:
            for norm in study.norms:
                if norm != reference:
                    pairs.append((f"{norm} − {reference}", norm, column, reference, column))
    elif mode == "columns" and len(study.columns) > 1:
        first = study.columns[0]
        for norm in study.norms:
            for column in study.columns[1:]:
                pairs.append((f"{study.column_title(column)} − {study.column_title(first)}", norm, column, norm, first))
    lines = []
    for title, norm_a, column_a, norm_b, column_b in pairs:
        a, b = study.values(norm_a, column_a, field), study.values(norm_b, column_b, field)
        where = study.column_title(column_a) if mode == "rows" else norm_a
        if len(a) < 2 or len(b) < 2:
            lines.append(f"- {where}: {title}: too few finished seeds to test")
            continue
        difference, width, p = welch(a, b)
        verdict = "**real** (p < 0.05)" if p < ALPHA else "not significant"
        lines.append(
            f"- {where}: {title} = {difference * 100:+.2f} ± {width * 100:.2f} points, p = {p:.3f}, {verdict}")
    if lines:
        lines.insert(0, f"Differences of {what} (mean difference ± half-width of its 95% interval; Welch's two-sided t-test):\n")
    return lines


def spread_lines(study, field):
    lines = ["| norm | lowest mean | highest mean | spread (points) |", "| --- | ---: | ---: | ---: |"]
    for norm in study.norms:
        means = [mean_sd(v)[0] for c in study.columns if (v := study.values(norm, c, field))]
        if means:
            lines.append(f"| {norm} | {min(means) * 100:.2f} | {max(means) * 100:.2f} | {(max(means) - min(means)) * 100:.2f} |")
    return lines


def parameter_lines(study):
    lines = ["| norm | parameters | in norm layers |", "| --- | ---: | ---: |"]
    for norm in study.norms:
        cell = next((c for c in study.results["cells"] if c["cell"]["norm"] == norm and c.get("parameterCount")), None)
        if cell:
            lines.append(f"| {norm} | {cell['parameterCount']:,} | {cell['normParameterCount']:,} |")
    return lines


def recipe_text(study):
    settings = study.results["settings"]
    parts = [f"{settings['trainLimit']:,} training images" if settings.get("trainLimit") else "all training images",
             f"{settings['testLimit']:,} test images" if settings.get("testLimit") else "all test images"]
    recipe = {s["key"]: s["value"] for s in (settings.get("recipe") or [])}
    if "steps" in recipe:
        parts.append(f"{recipe.pop('steps')} optimizer steps per cell (equal steps)")
    else:
        parts.append(f"{settings['epochs']} epoch{'s' if settings['epochs'] != 1 else ''}")
    if settings.get("processes"):
        parts.append(f"{settings['processes']} processes per cell (mpirun)")
    if settings.get("groups"):
        parts.append(f"{settings['groups']} group{'s' if settings['groups'] != 1 else ''}")
    recipe.pop("trainEvalImages", None) if recipe.get("trainEvalImages") == 0 else None
    for key, value in sorted(recipe.items()):
        parts.append(f"{key} {label(value)}")
    parts.append(f"learning rate: {study.results['learningRateRule']}")
    return "; ".join(parts)


def block(study):
    results = study.results
    cells = results["cells"]
    ok = sum(1 for c in cells if c["status"] == "ok")
    lines = [
        f"`cnntrain study studies/{study.name}.json` — {study.definition['title']}.",
        "",
        f"- recipe: {recipe_text(study)}; the rest as `cnntrain train`'s defaults (smallcnn, SGD momentum 0.9, cosine, batch as shown).",
        f"- {len(cells)} cells ({ok} finished), {study.seeds()} seeds each; {study.runtime_minutes():.1f} min of cell time on {results.get('cpu') or 'an unrecorded CPU'}, {results['threads']} threads.",
        f"- values: test accuracy (%), mean ± half-width of the 95% interval over the seeds (Student's t, {study.seeds() - 1} degrees of freedom); per-seed values and standard deviations in [studies/{study.name}/report.md](studies/{study.name}/report.md).",
        "",
    ]
    lines += table(study, "testAccuracy")
    lines.append("")
    lines += comparison_lines(study, "testAccuracy", "test accuracy")
    if study.readme.get("gap"):
        lines += ["", "Over-fitting: train accuracy in inference mode on a fixed training subset − test accuracy (points):", ""]
        for c in cells:
            if c.get("trainEvalAccuracy") is not None and c.get("testAccuracy") is not None:
                c["overfitting"] = c["trainEvalAccuracy"] - c["testAccuracy"]
        lines += table(study, "overfitting")
        lines.append("")
        lines += comparison_lines(study, "overfitting", "the over-fitting gap")
    if study.readme.get("spread"):
        lines += ["", "Each norm's sensitivity: the spread of its mean test accuracy across the columns:", ""]
        lines += spread_lines(study, "testAccuracy")
    if study.readme.get("parameters"):
        lines += ["", "Parameters of the model:", ""]
        lines += parameter_lines(study)
    figure = os.path.join(study.directory, "figure.png")
    if os.path.exists(figure):
        lines += ["", f"![{study.definition['title']}](studies/{study.name}/figure.png)"]
    return "\n".join(line.rstrip() for line in lines).rstrip() + "\n"


def suite_block(names):
    """The suite's budget: every study's cells and cell time, and the total."""
    lines = ["| study | what it measures | cells | cell time (min) |", "| --- | --- | ---: | ---: |"]
    total = 0.0
    for name in names:
        study = Study(name)
        minutes = study.runtime_minutes()
        total += minutes
        lines.append(f"| [`{name}`](studies/{name}.json) | {study.definition['title']} | {len(study.results['cells'])} | {minutes:.1f} |")
    lines.append(f"| all | | {sum(len(Study(n).results['cells']) for n in names)} | {total:.1f} |")
    return "\n".join(lines) + "\n"


def study_names():
    return sorted(f[:-5] for f in os.listdir(STUDIES)
                  if f.endswith(".json") and os.path.exists(os.path.join(STUDIES, f[:-5], "results.json")))


def regenerate(text, names):
    begin, end = "<!-- claim:begin suite -->", "<!-- claim:end suite -->"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + begin + "\n" + suite_block(names) + end + rest.split(end, 1)[1]
    for name in names:
        begin, end = f"<!-- claim:begin {name} -->", f"<!-- claim:end {name} -->"
        if begin not in text:
            continue
        head, rest = text.split(begin, 1)
        if end not in rest:
            raise SystemExit(f"README.md: {begin} has no {end}")
        _, tail = rest.split(end, 1)
        text = head + begin + "\n" + block(Study(name)) + end + tail
    return text


# ---------------------------------------------------------------- the figure

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
                axis.errorbar(xs, means, yerr=widths, marker="o", capsize=3, label=norm)
            else:
                axis.bar(xs, means, width=0.8 / max(len(study.norms), 1), yerr=widths, capsize=3, label=norm)
        if numeric_axis:
            axis.set_xscale("log", base=2 if numeric_axis[0] == "batch size" else 10)
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a README block differs from the results")
    parser.add_argument("--figure", metavar="STUDY_DIR", help="draw STUDY_DIR/figure.png and stop")
    parser.add_argument("--readme", default=README)
    arguments = parser.parse_args()
    if arguments.figure:
        draw_figure(arguments.figure)
        return 0
    names = study_names()
    with open(arguments.readme) as f:
        text = f.read()
    missing = [n for n in names if f"<!-- claim:begin {n} -->" not in text]
    new = regenerate(text, names)
    if arguments.check:
        stale = [n for n in names + ["suite"] if f"<!-- claim:begin {n} -->" in text and
                 text.split(f"<!-- claim:begin {n} -->", 1)[1].split(f"<!-- claim:end {n} -->", 1)[0]
                 != new.split(f"<!-- claim:begin {n} -->", 1)[1].split(f"<!-- claim:end {n} -->", 1)[0]]
        absent = [n for n in names if not os.path.exists(os.path.join(STUDIES, n, "figure.png"))]
        if stale or absent or missing:
            for n in stale:
                source = "the studies" if n == "suite" else f"studies/{n}/results.json"
                print(f"claims: README block '{n}' differs from {source}; run {sys.argv[0]}", file=sys.stderr)
            for n in absent:
                print(f"claims: studies/{n}/figure.png is missing; run {sys.argv[0]} --figure studies/{n}", file=sys.stderr)
            for n in missing:
                print(f"claims: README.md has no block for studies/{n} (<!-- claim:begin {n} -->)", file=sys.stderr)
            return 1
        print(f"claims: {len(names)} README blocks match their studies")
        return 0
    for n in names:
        if not os.path.exists(os.path.join(STUDIES, n, "figure.png")):
            draw_figure(os.path.join(STUDIES, n))
    if new != text:
        with open(arguments.readme, "w") as f:
            f.write(new)
    print(f"claims: {len(names)} studies; README blocks written" + (f"; no block yet for: {', '.join(missing)}" if missing else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
