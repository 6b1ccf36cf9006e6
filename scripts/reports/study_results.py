"""A study's file (studies/NAME.json) and its results (studies/NAME/results.json), read for the
README blocks (claims.py) and the figure (study_figure.py): cells by norm and by column (every
configuration of the other grid axes)."""
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STUDIES = os.path.join(ROOT, "studies")
NORM_ORDER = ["none", "batch", "syncbatch", "layer", "instance", "group"]


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


