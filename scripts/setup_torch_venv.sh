#!/usr/bin/env bash
# Makes .venv-torch/ (git-ignored): a Python venv with the current PyTorch CPU build, the peer that
# `cnntrain bench speed --python .venv-torch/bin/python` measures against. Safe to run again: it does
# nothing when the venv already has the pinned version.
#   scripts/setup_torch_venv.sh            → .venv-torch/bin/python
#   CNNTRAIN_TORCH_VENV=dir scripts/setup_torch_venv.sh
# The version is pinned: pip then takes the CPU wheel (from the machine's wheel directory when it has
# one, PIP_FIND_LINKS); an unpinned `pip install torch` pulls a 540 MB CUDA build.
# Debian's python3-torch (1.13, scripts/setup.sh --with-torch) stays the reference of the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

version="${CNNTRAIN_TORCH_VERSION:-2.13.*}"
venv="${CNNTRAIN_TORCH_VENV:-.venv-torch}"
python="$venv/bin/python"

if [[ -x "$python" ]] && "$python" - "$version" <<'PY' 2>/dev/null; then
import sys, fnmatch, torch
sys.exit(0 if fnmatch.fnmatch(torch.__version__.split("+")[0], sys.argv[1]) else 1)
PY
  echo "setup_torch_venv: $venv already has torch $("$python" -c 'import torch; print(torch.__version__)')" >&2
  echo "$python"
  exit 0
fi

if ! /usr/bin/python3 -c 'import venv, ensurepip' 2>/dev/null; then
  echo "setup_torch_venv: installing python3-venv" >&2
  sudo_cmd=(); [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq python3-venv >&2
fi
[[ -x "$python" ]] || /usr/bin/python3 -m venv "$venv"
# numpy: the data loader of torch_bench.py (scripts/pytorch/fashion_mnist.py).
"$python" -m pip install --quiet "torch==$version" numpy >&2
echo "setup_torch_venv: $venv has torch $("$python" -c 'import torch; print(torch.__version__)')" >&2
echo "$python"
