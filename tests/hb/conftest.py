"""Tests on the real HumanoidBench package: marked ``hb``, skipped with the install hint without it.

CI cannot install humanoid_bench (not on PyPI, pins mujoco 3.1.6), so these skip there. To run
them, build the HumanoidBench venv described in docs/humanoid_bench.md and run
``MUJOCO_GL=egl <venv>/bin/python -m pytest -q tests/hb``.

The package is looked up, never imported, here: importing it before mwx's plugins load would
put its own ids in the registry in place of mwx's adapter.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

HAVE_HB = importlib.util.find_spec("humanoid_bench") is not None
INSTALL_HINT = (
    "humanoid_bench is not installed (it is not on PyPI and pins mujoco==3.1.6): build its venv as "
    "docs/humanoid_bench.md says, then run `MUJOCO_GL=egl <venv>/bin/python -m pytest -q tests/hb`"
)
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.hb)
            if not HAVE_HB:
                item.add_marker(pytest.mark.skip(reason=INSTALL_HINT))
