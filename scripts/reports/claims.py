#!/usr/bin/python3
"""The README's "course notes, measured" blocks and each study's figure, from the committed studies.

    /usr/bin/python3 scripts/reports/claims.py              rewrite the README blocks (and draw missing figures)
    /usr/bin/python3 scripts/reports/claims.py --check      exit 1 when a README block differs from the results

A study is a file `studies/NAME.json` (see `cnntrain study --help`); `cnntrain study studies/NAME.json`
writes its results to `studies/NAME/results.json`. For each study with results, the README text between
`<!-- claim:begin NAME -->` and `<!-- claim:end NAME -->` is replaced by: the command, the recipe, the
runtime, a table of test accuracy (mean ± half-width of the 95% interval over seeds, Student's t), and
Welch's two-sided t-tests of the differences the study file's "readme" section asks for:

    "readme": {"compare": "rows", "reference": "batch"}   each norm against the reference norm, per column
    "readme": {"compare": "columns"}                      each column against the first, per norm
    "readme": {"compare": ["rows", "columns"], …}         both
    "gap": true      also the over-fitting table (train accuracy in inference mode − test accuracy)
    "spread": true   also each norm's spread across the columns (max − min of the means)
    "testColumns": [0, -1]   test only these columns (indices) in "rows" mode

The prose around the markers is written by hand; every number inside them comes from results.json.
"""
import argparse
import json
import os
import sys

from study_results import STUDIES, ROOT, Study, label
from study_statistics import half_width, mean_sd, welch

README = os.path.join(ROOT, "README.md")
ALPHA = 0.05


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


def comparison_pairs(study, mode):
    """(title, where, norm a, column a, norm b, column b) of each difference to test in `mode`."""
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
                    pairs.append((f"{norm} − {reference}", study.column_title(column), norm, column, reference, column))
    elif mode == "columns" and len(study.columns) > 1:
        first = study.columns[0]
        for norm in study.norms:
            for column in study.columns[1:]:
                title = f"{study.column_title(column)} − {study.column_title(first)}"
                pairs.append((title, norm, norm, column, norm, first))
    return pairs


def comparison_lines(study, field, what):
    """Welch's t-tests the study file asks for ("compare": "rows", "columns" or both), one line each,
    in percentage points; pairs with fewer than 2 finished seeds on a side are counted, not tested."""
    modes = study.readme.get("compare", "none")
    lines, untested = [], []
    for mode in (modes if isinstance(modes, list) else [modes]):
        for title, where, norm_a, column_a, norm_b, column_b in comparison_pairs(study, mode):
            a, b = study.values(norm_a, column_a, field), study.values(norm_b, column_b, field)
            if len(a) < 2 or len(b) < 2:
                untested.append(f"{where}: {title}")
                continue
            difference, width, p = welch(a, b)
            verdict = "**real** (p < 0.05)" if p < ALPHA else "not significant"
            lines.append(
                f"- {where}: {title} = {difference * 100:+.2f} ± {width * 100:.2f} points, p = {p:.3f}, {verdict}")
    if untested:
        lines.append(f"- not tested (fewer than 2 finished seeds on a side): {'; '.join(untested)}")
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
    """Parameters of the model (and in its norm layers) per norm and column."""
    titles = [study.column_title(c) for c in study.columns]
    lines = ["| norm | " + " | ".join(f"parameters ({t})" if len(titles) > 1 else "parameters" for t in titles)
             + " | in norm layers |", "| --- |" + " ---: |" * (len(titles) + 1)]
    for norm in study.norms:
        cells = [next((c for c in study.results["cells"] if c["cell"]["norm"] == norm and c.get("parameterCount")
                       and study.column_key(c["cell"]) == column), None) for column in study.columns]
        if any(cells):
            counts = [f"{c['parameterCount']:,}" if c else "–" for c in cells]
            inside = next(c["normParameterCount"] for c in cells if c)
            lines.append(f"| {norm} | " + " | ".join(counts) + f" | {inside:,} |")
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
    if recipe.get("trainEvalImages") == 0:
        del recipe["trainEvalImages"]  # off: nothing to report
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a README block differs from the results")
    parser.add_argument("--readme", default=README)
    arguments = parser.parse_args()
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
                print(f"claims: studies/{n}/figure.png is missing; run scripts/reports/study_figure.py studies/{n}", file=sys.stderr)
            for n in missing:
                print(f"claims: README.md has no block for studies/{n} (<!-- claim:begin {n} -->)", file=sys.stderr)
            return 1
        print(f"claims: {len(names)} README blocks match their studies")
        return 0
    for n in names:
        if not os.path.exists(os.path.join(STUDIES, n, "figure.png")):
            from study_figure import draw_figure
            draw_figure(os.path.join(STUDIES, n))
    if new != text:
        with open(arguments.readme, "w") as f:
            f.write(new)
    print(f"claims: {len(names)} studies; README blocks written" + (f"; no block yet for: {', '.join(missing)}" if missing else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
