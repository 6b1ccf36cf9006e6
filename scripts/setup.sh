#!/usr/bin/env bash
# Installs what cnntrain needs on Debian 12 and builds it (release). Safe to run again: it installs
# only missing packages and `swift build` only rebuilds what changed.
#   scripts/setup.sh              packages + build
#   scripts/setup.sh --with-torch also python3-torch and matplotlib (golden values, PyTorch comparisons, plots),
#                                 and python3-venv for scripts/setup_torch_venv.sh (the current PyTorch, for bench speed)
#   scripts/setup.sh --install    also puts `cnntrain` on PATH: a symlink /usr/local/bin/cnntrain →
#                                 this checkout's .build/release/cnntrain (set CNNTRAIN_INSTALL_DIR for
#                                 another folder). cnntrain finds Models/ and scripts/ from its real path,
#                                 so it then works from any directory.
set -euo pipefail
cd "$(dirname "$0")/.."

with_torch=0 install=0
for argument in "$@"; do
  case "$argument" in
    --with-torch) with_torch=1 ;;
    --install) install=1 ;;
    *) echo "setup: unknown option $argument (use --with-torch, --install)" >&2; exit 64 ;;
  esac
done

sudo_cmd=(); [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
# Open MPI (openmpi-bin: mpirun; libopenmpi-dev: libmpi.so) for data-parallel runs; cnntrain loads it
# at run time, so it builds and trains single-process without it.
packages=(libpng-dev libjpeg-dev libopenblas-dev pkg-config zlib1g-dev dataset-fashion-mnist openmpi-bin libopenmpi-dev)
if ((with_torch)); then packages+=(python3-torch python3-matplotlib python3-venv); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >&2
fi

if [[ "${CNNTRAIN_SKIP_BUILD:-}" != 1 ]]; then
  echo "setup: building (release)" >&2
  swift build -c release --product cnntrain >&2
fi

if ((install)); then
  target="$PWD/.build/release/cnntrain"
  folder="${CNNTRAIN_INSTALL_DIR:-/usr/local/bin}"
  link="$folder/cnntrain"
  [[ -x "$target" ]] || { echo "setup: $target is not built; run scripts/setup.sh --install without CNNTRAIN_SKIP_BUILD=1" >&2; exit 1; }
  if [[ -e "$link" && ! -L "$link" ]]; then
    echo "setup: $link exists and is not a symlink; remove it or set CNNTRAIN_INSTALL_DIR" >&2; exit 1
  fi
  if [[ "$(readlink "$link" 2>/dev/null)" != "$target" ]]; then
    run=(); [[ -w "$folder" ]] || run=("${sudo_cmd[@]}")
    "${run[@]}" mkdir -p "$folder"
    "${run[@]}" ln -sfn "$target" "$link"
  fi
  echo "setup: $link → $target" >&2
  case ":$PATH:" in *":$folder:"*) ;; *) echo "setup: $folder is not on your PATH; add it: export PATH=\"$folder:\$PATH\"" >&2 ;; esac
fi
