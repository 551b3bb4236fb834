"""The shipped neural experts: registered as ``<skill>-neural`` from their bundled weights, and
the distilled stand policy keeps the H1 up with the ``direct`` planner (real physics)."""

from __future__ import annotations

import numpy as np
import pytest

import mwx_sdk
from mwx_sdk.interfaces import StepContext

pytest.importorskip("safetensors")


@pytest.fixture(autouse=True)
def fresh_plugins():
    from mwx_sdk.plugins import reset_plugins

    reset_plugins()
    yield
    reset_plugins()


def test_bundled_weights_register_as_neural_experts():
    from mwx_skills.neural import available

    names = {e.name: e for e in mwx_sdk.list_experts()}
    assert "stand" in available()
    for skill in available():
        entry = names[f"{skill}-neural"]
        assert entry.bundled and entry.obj.spec.robot == "h1" and entry.obj.spec.action_dim == 19


def test_stand_neural_keeps_the_robot_standing_with_direct():
    env = mwx_sdk.make_env("mwx/h1-stand-v0")
    u = env.unwrapped
    expert = mwx_sdk.get_expert("stand-neural")
    obs, _ = env.reset(seed=3)
    expert.reset(StepContext(step=0, dt=u.dt, env=u))
    ret, min_z = 0.0, np.inf
    for t in range(400):
        a = expert.act(obs, StepContext(step=t, dt=u.dt, env=u))
        assert a.shape == (19,) and np.all(np.abs(a) <= 1)
        obs, r, term, trunc, _ = env.step(a)
        assert not term
        ret += float(r)
        min_z = min(min_z, float(u.data.qpos[2]))
    env.close()
    assert min_z > 0.9 and ret / 400 > 0.85
