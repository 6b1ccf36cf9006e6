"""Reads cnntrain's typed run configuration into a script's argparse values.

`cnntrain compare --with-pytorch` and `cnntrain bench speed` hand their PyTorch children the same
JSON file as their cnntrain children (`--config FILE`): a TrainingOptions object (a study cell), or
SpeedProbe settings ({"training": TrainingOptions, "trainImages": …}). Values the file gives replace
the script's options; a field that is null or absent keeps them.
"""
import json

# TrainingOptions field → argparse destination.
TRAINING_FIELDS = {
    "model": "model", "data": "data", "norm": "norm", "groups": "groups", "normPosition": "norm_position",
    "epochs": "epochs", "batchSize": "batch_size", "learningRate": "lr", "optimizer": "optimizer",
    "momentum": "momentum", "weightDecay": "weight_decay", "schedule": "schedule", "warmupSteps": "warmup",
    "seed": "seed", "threads": "threads", "trainLimit": "train_limit", "testLimit": "test_limit",
    "activation": "activation", "dropout": "dropout", "convBias": "conv_bias", "initGain": "init_gain",
    "steps": "steps",
}
# "trainEvalImages" is not read: the twin evaluates the test set only (its train-eval subset would
# be a report-only number, not part of the recipe).
# SpeedProbe.Settings field (beside "training") → argparse destination.
SPEED_FIELDS = {
    "trainImages": "train_images", "warmupSteps": "warmup_steps",
    "inferenceBatchSize": "inference_batch_size", "inferenceImages": "inference_images",
}


def apply(args, path):
    """Sets the attributes of `args` that the configuration at `path` gives."""
    with open(path) as f:
        config = json.load(f)
    training = config.get("training", config)
    for field, name in TRAINING_FIELDS.items():
        if training.get(field) is not None and hasattr(args, name):
            setattr(args, name, training[field])
    if "training" in config:
        for field, name in SPEED_FIELDS.items():
            if config.get(field) is not None and hasattr(args, name):
                setattr(args, name, config[field])
    return args
