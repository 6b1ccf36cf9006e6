#!/usr/bin/python3
"""Trains the PyTorch equivalent of a cnntrain model with the same recipe, for side-by-side numbers.

The model comes from `cnntrain info --model M --norm K --json` (so both build the same layers); the
recipe mirrors cnntrain's: PyTorch SGD (momentum, weight decay) or AdamW, the same per-step learning
rate schedule (see Sources/CNNTraining/Optimization/LearningRateSchedule.swift), per-channel
normalization computed on the training set, shuffled batches, evaluation on the test set per epoch.

    /usr/bin/python3 scripts/pytorch/torch_train.py --norm group --epochs 10 [--json result.json]
"""
import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import cnn_subset  # noqa: E402
import fashion_mnist  # noqa: E402
import training_options  # noqa: E402
from torch_model import build_model  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))


def resolved_model(cnntrain, model, norm, groups, position, activation=None, dropout=None, conv_bias=None):
    """The model as cnntrain resolves it, with the same --activation, --dropout, --conv-bias."""
    command = [cnntrain, "info", "--model", model, "--norm", norm, "--norm-position", position, "--json"]
    if groups:
        command += ["--groups", str(groups)]
    if activation is not None:
        command += ["--activation", activation]
    if dropout is not None:
        command += ["--dropout", str(dropout)]
    if conv_bias is not None:
        # A config file gives a JSON bool; the command line yes/no.
        command += ["--conv-bias", conv_bias if isinstance(conv_bias, str) else ("yes" if conv_bias else "no")]
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT).stdout)


def rate_factor(step, total, steps_per_epoch, schedule, warmup, warmup_start=0.1):
    factor = 1.0
    if step < warmup:
        factor = warmup_start + (1 - warmup_start) * step / warmup
    parts = schedule.split(":")
    if parts[0] == "cosine":
        floor = float(parts[1]) if len(parts) > 1 else 0.0
        q = min(max((step - warmup) / max(total - warmup, 1), 0.0), 1.0)
        factor *= floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * q))
    elif parts[0] == "step":
        factor *= float(parts[2]) ** ((step // steps_per_epoch) // int(parts[1]))
    return factor


def evaluate(model, x, y, mean, std, batch=500):
    model.eval()
    correct, loss = 0, 0.0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            logits = model(fashion_mnist.normalize(x[i:i + batch], mean, std))
            loss += F.cross_entropy(logits, y[i:i + batch], reduction="sum").item()
            correct += (logits.argmax(1) == y[i:i + batch]).sum().item()
    return loss / len(x), correct / len(x)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cnntrain", default=os.path.join(ROOT, ".build/release/cnntrain"))
    p.add_argument("--config", help="cnntrain's run configuration (JSON) to read the settings from; its values win over the options")
    p.add_argument("--model", default="smallcnn")
    p.add_argument("--data", default=fashion_mnist.DEFAULT_DIR)
    p.add_argument("--norm", default="group")
    p.add_argument("--groups", type=int, default=None)
    p.add_argument("--norm-position", default="before")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--optimizer", default="sgd", choices=["sgd", "adamw"])
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--weight-decay", type=float, default=5e-4)
    p.add_argument("--schedule", default="cosine")
    p.add_argument("--warmup", type=int, default=0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--train-limit", type=int, default=None)
    p.add_argument("--test-limit", type=int, default=None)
    p.add_argument("--activation", default=None, help="every activation becomes this one (as cnntrain's)")
    p.add_argument("--dropout", type=float, default=None, help="every dropout's probability")
    p.add_argument("--conv-bias", default=None, choices=["yes", "no"], help="every conv has a bias (yes) or none (no)")
    p.add_argument("--init-gain", type=float, default=None, help="conv and linear weights × G after initialization")
    p.add_argument("--steps", type=int, default=None, help="train this many optimizer steps instead of --epochs")
    p.add_argument("--json", help="write the result here as JSON")
    args = p.parse_args()
    if args.config:
        training_options.apply(args, args.config)

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    resolved = resolved_model(args.cnntrain, args.model, args.norm, args.groups, args.norm_position,
                              args.activation, args.dropout, args.conv_bias)
    model = build_model(resolved)
    if args.init_gain is not None:
        # As cnntrain's ModelBuilder.scaleWeights: weights only, not biases or norm parameters.
        with torch.no_grad():
            for module in model.modules():
                if isinstance(module, (torch.nn.Conv2d, torch.nn.Linear)):
                    module.weight.mul_(args.init_gain)
    train_x, train_y, test_x, test_y = fashion_mnist.load(args.data)
    # The same images as cnntrain's --train-limit / --test-limit (a seeded class-stratified subset).
    if args.train_limit:
        keep = torch.tensor(cnn_subset.indices(train_y.tolist(), args.train_limit, args.seed))
        train_x, train_y = train_x[keep], train_y[keep]
    if args.test_limit:
        keep = torch.tensor(cnn_subset.indices(test_y.tolist(), args.test_limit, cnn_subset.test_seed(args.seed)))
        test_x, test_y = test_x[keep], test_y[keep]
    scaled = train_x.float() / 255.0
    mean = scaled.mean(dim=(0, 2, 3)).view(1, -1, 1, 1)
    std = scaled.std(dim=(0, 2, 3), unbiased=False).view(1, -1, 1, 1)

    if args.optimizer == "sgd":
        optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay)
    else:
        optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    steps_per_epoch = math.ceil(len(train_x) / args.batch_size)
    if args.steps is not None:
        # As cnntrain's --steps: ⌈steps / steps per epoch⌉ epochs, the last cut short; the schedule spans the steps.
        args.epochs = math.ceil(args.steps / steps_per_epoch)
    total = args.steps if args.steps is not None else steps_per_epoch * args.epochs
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: rate_factor(s, total, steps_per_epoch, args.schedule, args.warmup))

    history = []
    generator = torch.Generator().manual_seed(args.seed)
    step = 0
    for epoch in range(1, args.epochs + 1):
        model.train()
        order = torch.randperm(len(train_x), generator=generator)
        start = time.perf_counter()
        loss_sum, correct, seen = 0.0, 0, 0
        for i in range(0, len(train_x), args.batch_size):
            if step == total:
                break
            step += 1
            index = order[i:i + args.batch_size]
            x = fashion_mnist.normalize(train_x[index], mean, std)
            y = train_y[index]
            logits = model(x)
            loss = F.cross_entropy(logits, y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            loss_sum += loss.item() * len(y)
            correct += (logits.argmax(1) == y).sum().item()
            seen += len(y)
        seconds = time.perf_counter() - start
        test_loss, test_accuracy = evaluate(model, test_x, test_y, mean, std)
        record = {"epoch": epoch, "train_loss": loss_sum / seen, "train_accuracy": correct / seen,
                  "test_loss": test_loss, "test_accuracy": test_accuracy, "seconds": seconds,
                  "images_per_second": seen / seconds}
        history.append(record)
        print(f"epoch {epoch}/{args.epochs}: train loss {record['train_loss']:.4f} acc {100 * record['train_accuracy']:.2f}% | "
              f"test loss {test_loss:.4f} acc {100 * test_accuracy:.2f}% | {seconds:.1f} s, {record['images_per_second']:.0f} img/s",
              file=sys.stderr, flush=True)
    result = {"framework": f"pytorch {torch.__version__}", "model": args.model, "norm": args.norm, "epochs": args.epochs,
              "batch_size": args.batch_size, "lr": args.lr, "steps": step, "final_test_accuracy": history[-1]["test_accuracy"],
              "parameter_count": sum(p.numel() for p in model.parameters()),
              "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "history": history}
    print(f"pytorch test accuracy {100 * result['final_test_accuracy']:.2f}% ({args.model}, --norm {args.norm}, {args.epochs} epochs)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
