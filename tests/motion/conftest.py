"""Fixtures of the motion tests."""

from __future__ import annotations

import pytest

import mwx_sdk


@pytest.fixture(scope="module")
def h1_scene():
    """The bundled H1 standing in its stand scene, reset (the unwrapped env)."""
    env = mwx_sdk.make_env("mwx/h1-stand-v0")
    env.reset(seed=0)
    yield env.unwrapped
    env.close()
