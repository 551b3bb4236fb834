"""The state term against each expert's nearest reference state (``reference="nearest"``)."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "agent"))
from fakes import ConstantExpert, ToyEnv
from mwx_plugins.routers import FusionRouter

from mwx_sdk.interfaces import StepContext
from mwx_sdk.motion.expert import state_feature


class FramesExpert(ConstantExpert):
    """A constant expert whose motion passes through the given reference states."""

    def __init__(self, name, frames):
        frames = np.asarray(frames, dtype=float)
        super().__init__(name, 0.0, embedding=frames.mean(axis=0))
        self._frames = frames

    def reference_features(self):
        return self._frames


class QposEnv:
    """Just enough of an H1 env for the router's ``joints_height`` feature: a qpos to set."""

    def __init__(self, nq: int = 26):
        self.data = SimpleNamespace(qpos=np.zeros(nq))
        self.observation_space = None

    @property
    def unwrapped(self):
        return self


def test_nearest_frame_beats_the_mean_of_a_swinging_motion():
    # "swing" oscillates between -1 and 1 on the first axis (its mean is 0); "hold" rests at 0.6
    swing = FramesExpert("swing", [[-1.0, 0.0], [-0.5, 0.0], [0.5, 0.0], [1.0, 0.0]])
    hold = FramesExpert("hold", [[0.6, 0.0]])
    ctx = StepContext(env=ToyEnv())
    x = np.array([0.5, 0.0])  # a state the swing passes through
    mean = FusionRouter(alpha=0.0)
    mean.reset([swing, hold], ctx)
    assert mean.state_probs(x)[1] > 0.5  # nearer the hold than the swing's mean
    near = FusionRouter(alpha=0.0, reference="nearest")
    near.reset([swing, hold], ctx)
    p = near.state_probs(x)
    assert p[0] > 0.5
    # the logits are minus the standardised distance to the nearest frame over D T
    r = near
    xn = (x - r.mu) * r.inv_sigma
    d = [min(np.sum(((f - r.mu) * r.inv_sigma - xn) ** 2) for f in e.reference_features()) for e in (swing, hold)]
    z = -np.array(d) / (2 * r.config.temperature)
    assert np.allclose(p, np.exp(z - z.max()) / np.exp(z - z.max()).sum())


def test_experts_without_frames_use_their_embedding_and_none_get_the_average_logit():
    swing = FramesExpert("swing", [[-1.0, 0.0], [1.0, 0.0]])
    plain = ConstantExpert("plain", 0.0, embedding=[3.0, 0.0])
    blind = ConstantExpert("blind", 0.0)
    r = FusionRouter(alpha=0.0, reference="nearest")
    r.reset([swing, plain, blind], StepContext(env=ToyEnv()))
    p = r.state_probs(np.array([3.0, 0.0]))
    assert int(np.argmax(p)) == 1
    z = np.log(p)
    assert np.isclose(z[2] - z[0], (z[1] - z[0]) / 2)  # the average of the two others' logits


def test_nearest_is_an_untrained_form_only():
    with pytest.raises(ValueError, match="reference must be one of"):
        FusionRouter(reference="closest")
    r = FusionRouter(reference="nearest")
    r.reset([FramesExpert("a", [[0.0, 0.0]]), FramesExpert("b", [[1.0, 1.0]])], StepContext(env=ToyEnv()))
    with pytest.raises(ValueError, match="reference='mean'"):
        r.fit(np.zeros((2, 2)), np.array([0, 1]))
    with pytest.raises(ValueError, match="reference='mean'"):
        FusionRouter(reference="nearest", checkpoint="somewhere")


def test_walk_keeps_the_weight_through_its_whole_stride_against_stand():
    # Regression: compared with the clips' means, the walk's straight-legged mid-stride frames
    # are nearer the standing pose, so the state term handed up to 0.3 of the blend to stand
    # mid-stride and the H1 fell (walk task, experts walk and stand).
    from mwx_skills.stand import StandExpert
    from mwx_skills.walk import WalkExpert

    walk, stand = WalkExpert(speed=1.15), StandExpert()
    env = QposEnv()
    ctx = StepContext(env=env)
    frames = walk.reference_features()
    assert frames.shape[1] == 20 and len(frames) > 10
    assert len(stand.reference_features()) == 1  # a held pose is one reference state

    def p_walk(router):
        out = []
        for f in frames:
            env.data.qpos[7:26] = f[:19]
            env.data.qpos[2] = f[19]
            assert np.allclose(state_feature(env.data.qpos), f)
            out.append(router.state_probs(None)[0])
        return np.array(out)

    mean = FusionRouter()
    mean.reset([walk, stand], ctx)
    assert p_walk(mean).min() < 0.5  # the defect: some walk frames look like standing
    near = FusionRouter(reference="nearest")
    near.reset([walk, stand], ctx)
    assert p_walk(near).min() > 0.9
    # standing still is still stand's
    env.data.qpos[7:26] = stand.reference_features()[0][:19]
    env.data.qpos[2] = stand.reference_features()[0][19]
    assert near.state_probs(None)[1] > 0.5


def test_walk_task_routes_by_the_nearest_reference():
    from mwx_sdk.task import get_task

    for name in ("walk", "run"):
        assert dict(get_task(name).composition.router_options).get("reference") == "nearest"
    # standing and sitting keep MetaWorld's mean form
    for name in ("stand", "sit_simple"):
        assert dict(get_task(name).composition.router_options).get("reference", "mean") == "mean"
