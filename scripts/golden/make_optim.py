"""Golden values for the optimizers and learning-rate schedules (Tests/Fixtures/golden/optim.json).

Optimizers: two seeded parameters ("weight" 3x4, "bias" 4) with a different seeded gradient at each
of 3 steps and a different learning rate at each step; the values after every step of
  sgd_momentum   torch.optim.SGD(momentum=0.9, weight_decay=5e-4)
  sgd_nesterov   torch.optim.SGD(momentum=0.9, nesterov=True, weight_decay=5e-4)
  sgd_dampening  torch.optim.SGD(momentum=0.8, dampening=0.3)
  sgd_plain      torch.optim.SGD(weight_decay=1e-2)
  adamw          torch.optim.AdamW(weight_decay=0.01)  (betas 0.9, 0.999, eps 1e-8)
  adamw_custom   torch.optim.AdamW(betas=(0.8, 0.99), eps=1e-3, weight_decay=0.1)
Case "inputs" holds the initial values and the gradients (grad<k>.<name>, k = 1, 2, 3).

Schedules: the learning rate used at each of 20 optimizer steps (LR read before optimizer.step(),
scheduler.step() after it) under torch's own schedulers, which LearningRateSchedule must match:
  schedule_step     StepLR(step_size=2 epochs x 3 steps/epoch, gamma=0.1)
  schedule_cosine   CosineAnnealingLR(T_max=20, eta_min=0.05 * lr)
  schedule_warmup   LinearLR(start_factor=0.1, total_iters=5)

Gradient clipping (Tests/Fixtures/golden/clip.json): torch.nn.utils.clip_grad_norm_(norm_type=2) on
the step-1 gradients of "inputs":
  clip_below   max_norm=1.0: the total norm is larger, so every gradient is scaled by 1/(norm + 1e-6)
  clip_above   max_norm=100: the total norm is smaller, so nothing changes
each with the gradients after clipping and "total_norm" (the norm before clipping).

Run: /usr/bin/python3 scripts/golden/make_optim.py
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import golden_io  # noqa: E402

SHAPES = {"weight": (3, 4), "bias": (4,)}
LEARNING_RATES = [0.1, 0.05, 0.2]


def inputs():
    initial = {name: golden_io.seeded_uniform(shape, seed=10 + i) for i, (name, shape) in enumerate(SHAPES.items())}
    grads = {}
    for step in (1, 2, 3):
        for i, (name, shape) in enumerate(SHAPES.items()):
            grads[f"grad{step}.{name}"] = golden_io.seeded_uniform(shape, seed=100 * step + i, low=-2, high=2)
    return initial, grads


def run(make_optimizer, initial, grads, lrs):
    params = {name: torch.nn.Parameter(value.clone()) for name, value in initial.items()}
    optimizer = make_optimizer(list(params.values()))
    out = {}
    for step in (1, 2, 3):
        for group in optimizer.param_groups:
            group["lr"] = lrs[step - 1]
        for name, p in params.items():
            p.grad = grads[f"grad{step}.{name}"].clone()
        optimizer.step()
        for name, p in params.items():
            out[f"step{step}.{name}"] = p.detach().clone()
    return out


def schedule(make_scheduler, steps=20, lr=0.1):
    p = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([p], lr=lr)
    scheduler = make_scheduler(optimizer)
    rates = []
    for _ in range(steps):
        rates.append(optimizer.param_groups[0]["lr"])
        p.grad = torch.zeros(1)
        optimizer.step()
        scheduler.step()
    return {"rates": torch.tensor(rates, dtype=torch.float64)}


def clip(grads, max_norm):
    params = {name: torch.nn.Parameter(torch.zeros(shape)) for name, shape in SHAPES.items()}
    for name, p in params.items():
        p.grad = grads[f"grad1.{name}"].clone()
    total = torch.nn.utils.clip_grad_norm_(list(params.values()), max_norm=max_norm, norm_type=2)
    return {**{f"clipped.{name}": p.grad for name, p in params.items()}, "total_norm": total.reshape(1)}


def main():
    torch.manual_seed(0)
    initial, grads = inputs()
    cases = {"inputs": {**initial, **grads}}
    S = torch.optim.SGD
    cases["sgd_momentum"] = run(lambda ps: S(ps, lr=0.1, momentum=0.9, weight_decay=5e-4), initial, grads, LEARNING_RATES)
    cases["sgd_nesterov"] = run(lambda ps: S(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4), initial, grads, LEARNING_RATES)
    cases["sgd_dampening"] = run(lambda ps: S(ps, lr=0.1, momentum=0.8, dampening=0.3), initial, grads, LEARNING_RATES)
    cases["sgd_plain"] = run(lambda ps: S(ps, lr=0.1, weight_decay=1e-2), initial, grads, LEARNING_RATES)
    adam_lrs = [0.01, 0.005, 0.02]
    A = torch.optim.AdamW
    cases["adamw"] = run(lambda ps: A(ps, lr=0.01, weight_decay=0.01), initial, grads, adam_lrs)
    cases["adamw_custom"] = run(lambda ps: A(ps, lr=0.01, betas=(0.8, 0.99), eps=1e-3, weight_decay=0.1), initial, grads, adam_lrs)

    L = torch.optim.lr_scheduler
    cases["schedule_step"] = schedule(lambda o: L.StepLR(o, step_size=2 * 3, gamma=0.1))
    cases["schedule_cosine"] = schedule(lambda o: L.CosineAnnealingLR(o, T_max=20, eta_min=0.05 * 0.1))
    cases["schedule_warmup"] = schedule(lambda o: L.LinearLR(o, start_factor=0.1, total_iters=5))
    golden_io.write("optim", "scripts/golden/make_optim.py", cases)
    golden_io.write("clip", "scripts/golden/make_optim.py",
                    {"clip_below": clip(grads, 1.0), "clip_above": clip(grads, 100.0)})


if __name__ == "__main__":
    main()
