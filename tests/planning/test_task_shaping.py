"""Object-directed shaping terms a task declares (``TaskAdapter.shaping``): computed on the
planner's batches, weighted by ``MPPIConfig.task_shaping``, reported apart from the reward."""

from __future__ import annotations

import numpy as np
import pytest

import mwx_sdk
from mwx_sdk.envs.tasks.manipulation import push_point
from mwx_sdk.interfaces import StepContext
from mwx_sdk.planning import MPPIConfig
from mwx_sdk.planning.mppi import MPPIPlanner
from mwx_sdk.planning.rewards_adapter import task_adapter


def test_push_point_is_behind_the_object_on_the_far_side_from_the_goal():
    obj = np.array([0.7, 0.0, 1.0])
    goal = np.array([0.7, 0.5, 1.0])
    np.testing.assert_allclose(push_point(obj, goal, 0.12), [0.7, -0.12, 1.0])
    batch = np.broadcast_to(obj, (4, 5, 3))
    assert push_point(batch, goal, 0.12).shape == (4, 5, 3)


def test_push_terms_on_a_batch():
    env = mwx_sdk.make_env("mwx/h1-push-v0")
    env.reset(seed=1)
    ad = task_adapter("push")
    ad.bind_model(env.unwrapped.model)
    assert set(ad.shaping_names) == {"hand_to_object", "object_to_goal"}
    qpos = np.tile(env.unwrapped.data.qpos, (2, 3, 1))
    box = qpos[..., 26:29]  # the free object's position (the robot's nq is 26)
    goal = np.array([0.9, 0.2, 1.0])
    pre = push_point(box, goal, 0.12)
    left = pre + np.array([0.0, 0.0, 0.3])  # 0.3 m above the push point
    right = pre + np.array([0.4, 0.0, 0.0])
    terms = ad.shaping_terms({"qpos": qpos, "left_hand": left, "right_hand": right}, {"goal": goal})
    np.testing.assert_allclose(terms["hand_to_object"], 0.3)
    np.testing.assert_allclose(terms["object_to_goal"], np.linalg.norm(box - goal, axis=-1))
    env.close()


def _planner(**opts):
    env = mwx_sdk.make_env("mwx/h1-push-v0")
    obs, _ = env.reset(seed=0)
    planner = MPPIPlanner(num_samples=4, horizon=3, num_knots=2, threads=1, **opts)
    ctx = StepContext(env=env.unwrapped, seed=0)
    planner.reset(env, ctx)
    return env, obs, planner, ctx


def test_weighted_terms_are_reported_apart_from_the_return():
    env, obs, planner, ctx = _planner(task_shaping={"hand_to_object": 2.0, "object_to_goal": 0.0})
    planner.plan(obs, np.zeros(env.action_space.shape), ctx)
    diag = planner.diagnostics()
    assert diag["task.hand_to_object"] > 0  # the hands start 0.4 m from the push point
    assert "task.object_to_goal" not in diag  # weight 0: not computed
    env.close()


def test_the_task_declares_its_default_weights():
    assert MPPIConfig.for_task("push").task_shaping == {"hand_to_object": 1.0, "object_to_goal": 5.0}
    assert MPPIConfig.for_task("stand").task_shaping == {}


def test_unknown_term_and_bad_weight_are_refused():
    with pytest.raises(ValueError, match="no shaping term.*'hand_to_goal'.*hand_to_object"):
        _planner(task_shaping={"hand_to_goal": 1.0})
    with pytest.raises(ValueError, match="task_shaping\\['object_to_goal'\\] must be a finite number >= 0"):
        MPPIConfig(task_shaping={"object_to_goal": -1.0})
