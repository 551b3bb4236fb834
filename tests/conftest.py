"""Shared test fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("MUJOCO_GL", "egl")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
REFERENCE_ASSETS = SHARED / "reference" / "humanoid_bench" / "assets"
CMU_DIR = SHARED / "motion" / "cmu"


@pytest.fixture
def shared_dir() -> Path:
    """The read-only ../shared folder; tests that need it skip when it is absent."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not present beside the repository")
    return SHARED


@pytest.fixture
def reference_assets() -> Path:
    """HumanoidBench's reference assets in ../shared (skip when absent)."""
    if not REFERENCE_ASSETS.is_dir():
        pytest.skip("../shared/reference/humanoid_bench/assets is not present")
    return REFERENCE_ASSETS


@pytest.fixture
def cmu_dir() -> Path:
    """The CMU BVH clips in ../shared (skip when absent)."""
    if not CMU_DIR.is_dir():
        pytest.skip("../shared/motion/cmu is not present")
    return CMU_DIR
