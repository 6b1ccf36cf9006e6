#!/usr/bin/python3
"""Measures PyTorch's speed on a cnntrain model the way `cnntrain bench train` measures ours.

Same model (built from `cnntrain info --json`), same data (Fashion-MNIST, normalized with the
training set's mean/std), same step (forward, cross-entropy, zero_grad, backward, SGD with momentum
0.9 and weight decay 5e-4), same counts: `--warmup-steps` untimed steps, then `--train-images`
timed (whole batches), then inference (eval mode, no_grad, argmax and loss) over the test set in
batches of `--inference-batch-size`. Prints one JSON object, as `cnntrain bench train --json`.
`cnntrain bench speed` runs both side by side, PyTorch once per memory format.

`--memory-format channels_last` converts the model and every batch to channels_last (NHWC in
memory), which oneDNN prefers for some layers; `contiguous` (the default) keeps NCHW.

    /usr/bin/python3 scripts/pytorch/torch_bench.py --norm group --batch-size 64 --threads 2
    .venv-torch/bin/python scripts/pytorch/torch_bench.py --memory-format channels_last   # scripts/setup_torch_venv.sh
"""
import argparse
import json
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fashion_mnist  # noqa: E402
import training_options  # noqa: E402
from torch_model import build_model  # noqa: E402
from torch_train import resolved_model  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cnntrain", default=os.path.join(ROOT, ".build/release/cnntrain"))
    p.add_argument("--config", help="cnntrain's run configuration (JSON) to read the settings from; its values win over the options")
    p.add_argument("--model", default="smallcnn")
    p.add_argument("--data", default=fashion_mnist.DEFAULT_DIR)
    p.add_argument("--norm", default="group")
    p.add_argument("--groups", type=int, default=None)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--train-images", type=int, default=9600)
    p.add_argument("--warmup-steps", type=int, default=10)
    p.add_argument("--inference-batch-size", type=int, default=256)
    p.add_argument("--inference-images", type=int, default=10000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--memory-format", choices=["contiguous", "channels_last"], default="contiguous")
    # The model's shape, as cnntrain's (a --config from `cnntrain bench speed` may give them).
    p.add_argument("--activation", default=None)
    p.add_argument("--dropout", type=float, default=None)
    p.add_argument("--conv-bias", default=None, choices=["yes", "no"])
    args = p.parse_args()
    if args.config:
        training_options.apply(args, args.config)
    memory_format = torch.channels_last if args.memory_format == "channels_last" else torch.contiguous_format

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    resolved = resolved_model(args.cnntrain, args.model, args.norm, args.groups, "before",
                              args.activation, args.dropout, args.conv_bias)
    model = build_model(resolved).to(memory_format=memory_format)
    train_x, train_y, test_x, test_y = fashion_mnist.load(args.data)
    test_x, test_y = test_x[:args.inference_images], test_y[:args.inference_images]
    scaled = train_x.float() / 255.0
    mean = scaled.mean(dim=(0, 2, 3)).view(1, -1, 1, 1)
    std = scaled.std(dim=(0, 2, 3), unbiased=False).view(1, -1, 1, 1)
    del scaled
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=5e-4)
    generator = torch.Generator().manual_seed(args.seed)
    batch = args.batch_size
    batches_per_epoch = len(train_x) // batch
    state = {"order": None, "next": batches_per_epoch}

    def train_one_step():
        if state["next"] == batches_per_epoch:
            state["order"], state["next"] = torch.randperm(len(train_x), generator=generator), 0
        index = state["order"][state["next"] * batch:(state["next"] + 1) * batch]
        state["next"] += 1
        x = fashion_mnist.normalize(train_x[index], mean, std).contiguous(memory_format=memory_format)
        loss = F.cross_entropy(model(x), train_y[index])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        loss.item()  # as the trainer, read the loss every step

    def infer(x_all, y_all):
        with torch.no_grad():
            for i in range(0, len(x_all), args.inference_batch_size):
                x = fashion_mnist.normalize(x_all[i:i + args.inference_batch_size], mean, std)
                logits = model(x.contiguous(memory_format=memory_format))
                F.cross_entropy(logits, y_all[i:i + args.inference_batch_size], reduction="sum").item()
                logits.argmax(1)

    model.train()
    for _ in range(args.warmup_steps):
        train_one_step()
    steps = max(args.train_images // batch, 5)
    start, cpu_start = time.perf_counter(), time.process_time()
    for _ in range(steps):
        train_one_step()
    train_seconds, train_cpu = time.perf_counter() - start, time.process_time() - cpu_start

    model.eval()
    infer(test_x[:args.inference_batch_size], test_y[:args.inference_batch_size])
    start, cpu_start = time.perf_counter(), time.process_time()
    infer(test_x, test_y)
    inference_seconds, inference_cpu = time.perf_counter() - start, time.process_time() - cpu_start

    print(json.dumps({
        "engine": f"pytorch {torch.__version__}", "memoryFormat": args.memory_format, "model": args.model, "norm": args.norm, "batchSize": batch,
        "threads": args.threads, "trainSteps": steps, "trainImagesPerSecond": steps * batch / train_seconds,
        "inferenceBatchSize": args.inference_batch_size, "inferenceImages": len(test_x),
        "inferenceImagesPerSecond": len(test_x) / inference_seconds,
        "parameterCount": sum(p.numel() for p in model.parameters()),
        "trainImagesPerCPUSecond": steps * batch / max(train_cpu, 1e-9),
        "inferenceImagesPerCPUSecond": len(test_x) / max(inference_cpu, 1e-9),
        "peakMemoryMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main()
