#!/usr/bin/env bash
# Set up mwx for development on a fresh machine: a virtual environment in .venv with the CPU
# build of torch installed first (so pip never resolves a multi-GB CUDA build), then mwx-sdk in
# editable mode with every extra, at the versions pinned in constraints.txt (the set the test
# suite was last green with), so every fresh machine installs the same thing. Re-running it is
# safe.
#
#   ./scripts/setup.sh                                  # everything, pinned (make install)
#   EXTRAS=dev ./scripts/setup.sh                       # a lighter install
#   VENV=.venv-latest CONSTRAINTS= ./scripts/setup.sh   # newest releases (make install-latest)
#   CONSTRAINTS=/tmp/lowest.txt EXTRAS=dev ...          # any other constraints file
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
EXTRAS=${EXTRAS:-all}
TORCH_VERSION=${TORCH_VERSION:-2.13.0}
CONSTRAINTS=${CONSTRAINTS-constraints.txt}
EDITABLE=${EDITABLE:-1}

"$PYTHON" -c 'import sys; assert sys.version_info >= (3, 10), "mwx needs Python >= 3.10"'
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
PIP="$VENV/bin/python -m pip"
$PIP install --quiet --upgrade pip setuptools wheel
if ! "$VENV/bin/python" -c "import torch" 2>/dev/null; then
  # The CPU wheel: from the local wheel cache when present, else PyTorch's CPU index.
  $PIP install --quiet "torch==$TORCH_VERSION" 2>/dev/null \
    || $PIP install --quiet "torch==$TORCH_VERSION" --index-url https://download.pytorch.org/whl/cpu
fi
PIN=()
if [ -n "$CONSTRAINTS" ]; then
  [ -f "$CONSTRAINTS" ] || { echo "error: constraints file $CONSTRAINTS not found (CONSTRAINTS= installs the newest releases)" >&2; exit 2; }
  # A lock is made for one Python minor version (its header says which); pins made for another
  # may not exist for this one, so elsewhere install the newest releases and say so.
  LOCK_PY=$(sed -n 's/.*Python \([0-9]*\.[0-9]*\).*/\1/p' "$CONSTRAINTS" | head -1)
  VENV_PY=$("$VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  if [ -n "$LOCK_PY" ] && [ "$LOCK_PY" != "$VENV_PY" ]; then
    echo "warning: $CONSTRAINTS was made with Python $LOCK_PY, this is $VENV_PY: installing the newest releases instead (./scripts/lock.sh makes a lock for this Python)" >&2
  else
    PIN=(--constraint "$CONSTRAINTS")
  fi
fi
TARGET="."
[ "$EXTRAS" = "none" ] || TARGET=".[$EXTRAS]"
if [ "$EDITABLE" = 1 ]; then
  $PIP install --quiet "${PIN[@]}" -e "$TARGET"
else
  $PIP install --quiet "${PIN[@]}" "$TARGET"
fi
echo "mwx is installed in $VENV${CONSTRAINTS:+ (pinned by $CONSTRAINTS)}: run 'make test', or 'source $VENV/bin/activate && mwx doctor'"
