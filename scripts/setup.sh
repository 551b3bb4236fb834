#!/usr/bin/env bash
# Set up mwx for development on a fresh machine: a virtual environment in .venv with the CPU
# build of torch installed first (so pip never resolves a multi-GB CUDA build), then mwx-sdk in
# editable mode with every extra. Re-running it is safe.
#
#   ./scripts/setup.sh            # everything (extras: all)
#   EXTRAS=dev ./scripts/setup.sh # a lighter install
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
EXTRAS=${EXTRAS:-all}
TORCH_VERSION=${TORCH_VERSION:-2.13.0}

"$PYTHON" -c 'import sys; assert sys.version_info >= (3, 10), "mwx needs Python >= 3.10"'
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
PIP="$VENV/bin/python -m pip"
$PIP install --quiet --upgrade pip setuptools wheel
if ! "$VENV/bin/python" -c "import torch" 2>/dev/null; then
  # The CPU wheel: from the local wheel cache when present, else PyTorch's CPU index.
  $PIP install --quiet "torch==$TORCH_VERSION" 2>/dev/null \
    || $PIP install --quiet "torch==$TORCH_VERSION" --index-url https://download.pytorch.org/whl/cpu
fi
$PIP install --quiet -e ".[$EXTRAS]"
echo "mwx is installed in $VENV: run 'make test', or 'source $VENV/bin/activate && mwx doctor'"
