"""The stand expert's capture-point feedback keeps the H1 up on its own (``direct``), which the
held pose alone does not: real physics on the embedded stand task."""

from __future__ import annotations

import numpy as np
import pytest

import mwx_sdk
from mwx_sdk.interfaces import StepContext


def _run(steps: int, seed: int = 0, **kw) -> tuple[int, float, float]:
    from mwx_skills.stand import StandExpert

    env = mwx_sdk.make_env("mwx/h1-stand-v0")
    u = env.unwrapped
    obs, _ = env.reset(seed=seed)
    expert = StandExpert(**kw)
    expert.reset(StepContext(step=0, dt=u.dt, env=u))
    ret, t, min_z = 0.0, 0, np.inf
    for t in range(1, steps + 1):
        a = expert.act(obs, StepContext(step=t - 1, dt=u.dt, env=u))
        assert a.shape == (19,) and np.all(np.abs(a) <= 1)
        obs, r, term, trunc, _ = env.step(a)
        ret += float(r)
        min_z = min(min_z, float(u.data.qpos[2]))
        if term or trunc:
            break
    env.close()
    return t, ret, min_z


def test_capture_feedback_keeps_the_robot_standing():
    steps, ret, min_z = _run(300)
    assert steps == 300 and min_z > 0.9
    assert ret / steps > 0.85  # head above 1.65 m, upright, still, small forces


def test_the_held_pose_without_feedback_topples():
    steps, _, min_z = _run(300, capture_gain=0.0, capture_roll_gain=0.0)
    assert steps < 300 or min_z < 0.6


def test_capture_offset_reads_the_model():
    from mwx_skills.stand import StandExpert

    env = mwx_sdk.make_env("mwx/h1-stand-v0")
    u = env.unwrapped
    env.reset(seed=0)
    expert = StandExpert()
    expert.reset(StepContext(step=0, dt=u.dt, env=u))
    off = expert.capture_offset(u.data)
    assert off is not None and off.shape == (2,) and np.all(np.abs(off) < 0.1)
    u.data.qvel[0] = 1.0  # a forward push moves the capture point ahead of the feet
    pushed = expert.capture_offset(u.data)
    from mwx_sdk.motion.rotations import quat_yaw

    yaw = quat_yaw(np.asarray(u.data.qpos[3:7]))
    shift = expert.config.capture_time * np.array([np.cos(yaw), -np.sin(yaw)])  # world x in the heading frame
    assert pushed == pytest.approx(off + shift, abs=1e-9)
    env.close()


def test_capture_gains_are_validated():
    from mwx_skills.stand import StandExpert

    with pytest.raises(ValueError, match="capture_time"):
        StandExpert(capture_time=-1.0)
    with pytest.raises(ValueError, match="capture_gain"):
        StandExpert(capture_gain=float("nan"))
