#!/usr/bin/python3
"""Trains smallcnn on Fashion-MNIST with every norm, with cnntrain and (when python3-torch is
installed) with PyTorch on the same recipe, and prints the Markdown table of the README.

    /usr/bin/python3 scripts/reports/accuracy_table.py [--epochs 10] [--norms none,batch,layer,instance,group]
        [--out studies/accuracy] [--no-torch] [--extra "--lr 0.05"]

Each run's directory (cnntrain) and JSON (PyTorch) are kept in --out; runs already finished there are
reused, so an interrupted table resumes where it stopped.
"""
import argparse
import json
import os
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--norms", default="none,batch,layer,instance,group")
    p.add_argument("--model", default="smallcnn")
    p.add_argument("--out", default=os.path.join(ROOT, "studies", "accuracy"))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--no-torch", action="store_true")
    p.add_argument("--cnntrain", default=os.path.join(ROOT, ".build", "release", "cnntrain"))
    p.add_argument("--extra", default="", help="more cnntrain/torch_train options, e.g. \"--lr 0.05\"")
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    cnntrain = args.cnntrain
    extra = shlex.split(args.extra)
    rows = []
    for norm in args.norms.split(","):
        run = os.path.join(args.out, f"cnntrain-{norm}")
        summary_path = os.path.join(run, "summary.json")
        if not os.path.exists(summary_path):
            command = [cnntrain, "--model", args.model, "--norm", norm, "--epochs", str(args.epochs),
                       "--threads", str(args.threads), "--out", run, "--quiet"] + extra
            if os.path.exists(os.path.join(run, "config.json")):
                # An interrupted run: cnntrain refuses to overwrite it; --resume continues it with its own recipe.
                command = [cnntrain, "--resume", run, "--threads", str(args.threads), "--quiet"]
            print("$ " + " ".join(command), file=sys.stderr, flush=True)
            subprocess.run(command, check=True, cwd=ROOT)
        with open(summary_path) as f:
            ours = json.load(f)
        theirs = None
        torch_path = os.path.join(args.out, f"torch-{norm}.json")
        if not args.no_torch:
            if not os.path.exists(torch_path):
                command = ["/usr/bin/python3", os.path.join(ROOT, "scripts", "pytorch", "torch_train.py"), "--model", args.model, "--norm", norm,
                           "--epochs", str(args.epochs), "--threads", str(args.threads), "--json", torch_path,
                           "--cnntrain", cnntrain] + extra
                print("$ " + " ".join(command), file=sys.stderr, flush=True)
                subprocess.run(command, check=True, cwd=ROOT)
            with open(torch_path) as f:
                theirs = json.load(f)
        rows.append((norm, ours, theirs))

    # Speed is left out on purpose: these runs may share the machine; see `cnntrain bench` for speed.
    print("| norm | cnntrain test accuracy | PyTorch test accuracy | difference | cnntrain train accuracy | parameters (in norms) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for norm, ours, theirs in rows:
        a = 100 * ours["finalTestAccuracy"]
        t = 100 * theirs["final_test_accuracy"] if theirs else None
        print(f"| {norm} | {a:.2f}% | {f'{t:.2f}%' if t is not None else '–'} | {f'{a - t:+.2f}' if t is not None else '–'} | "
              f"{100 * ours['finalTrainAccuracy']:.2f}% | {ours['parameterCount']:,} ({ours['normParameterCount']:,}) |")


if __name__ == "__main__":
    main()
