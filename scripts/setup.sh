#!/usr/bin/env bash
# Installs what cnntrain needs on Debian 12 and builds it (release). Safe to run again: it installs
# only missing packages and `swift build` only rebuilds what changed.
#   scripts/setup.sh              packages + build
#   scripts/setup.sh --with-torch also python3-torch and matplotlib (golden values, PyTorch comparisons, plots)
#                                 and python3-venv (scripts/setup_torch_venv.sh: the current PyTorch for bench speed)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libpng-dev libjpeg-dev libopenblas-dev pkg-config zlib1g-dev dataset-fashion-mnist)
if [[ "${1:-}" == "--with-torch" ]]; then packages+=(python3-torch python3-matplotlib python3-venv); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo_cmd=(); [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >&2
fi

if [[ "${CNNTRAIN_SKIP_BUILD:-}" != 1 ]]; then
  echo "setup: building (release)" >&2
  swift build -c release --product cnntrain >&2
fi
