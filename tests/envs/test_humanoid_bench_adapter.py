"""The HumanoidBench adapter against a small MuJoCo-backed stand-in for the package.

The stand-in behaves like the package where the adapter depends on it: a ``MujocoEnv``-like
env with ``model``, ``data``, ``frame_skip`` and ``fullpath``, a GL context opened at
construction whenever a render mode is given, and task resets that draw from the global
``numpy.random``. The real package is exercised by ``tests/hb`` (marker ``hb``).
"""

from __future__ import annotations

import sys
import textwrap

import gymnasium as gym
import numpy as np
import pytest

import mwx_sdk
from mwx_sdk.envs import humanoid_bench as hb
from mwx_sdk.envs.assets import scene_path

FAKE_HB = '''
"""A MuJoCo-backed stand-in for humanoid_bench: registers h1-stand-v0 and h1-reach-v0."""
import gymnasium as gym
import mujoco
import numpy as np

SCENE = {scene!r}
CONTEXTS = []  # one entry per GL context the package would have opened


class FakeHumanoidEnv(gym.Env):
    metadata = {{"render_modes": ["rgb_array"], "render_fps": 50}}

    def __init__(self, robot="h1", control="pos", task="stand", render_mode="rgb_array", **kwargs):
        self.fullpath = SCENE
        self.model = mujoco.MjModel.from_xml_path(SCENE)
        self.data = mujoco.MjData(self.model)
        self.frame_skip = 10
        self.render_mode = render_mode
        self.task = object()  # the package's task is an object, not a name
        self.goal = np.zeros(3)
        self.task_name = task
        if render_mode is not None:  # the package opens its viewer here
            CONTEXTS.append(render_mode)
        self.action_space = gym.spaces.Box(-1, 1, (self.model.nu,), np.float32)
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, (self.model.nq + self.model.nv,), np.float64)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        mujoco.mj_resetDataKeyframe(self.model, self.data, 0)
        self.data.qpos[:] += self.np_random.uniform(-0.01, 0.01, self.model.nq)
        mujoco.mj_forward(self.model, self.data)
        if self.task_name == "reach":
            self.goal = np.random.uniform(-1, 1, 3)  # the package's task resets use the global generator
        return np.concatenate([self.data.qpos, self.data.qvel]), {{}}

    def step(self, action):
        lo, hi = self.model.actuator_ctrlrange.T
        self.data.ctrl[:] = lo + (np.asarray(action) + 1) / 2 * (hi - lo)
        mujoco.mj_step(self.model, self.data, nstep=self.frame_skip)
        obs = np.concatenate([self.data.qpos, self.data.qvel])
        # the reach stand-in ends its episode at 0.06 s: a task's own termination, robot upright
        terminated = bool(self.data.qpos[2] < 0.2) or (self.task_name == "reach" and self.data.time > 0.05)
        return obs, 1.0, terminated, False, {{"per_timestep_reward": 1.0, "stand": 1.0}}


for task in ("stand", "reach"):
    gym.register(id=f"h1-{{task}}-v0", entry_point=FakeHumanoidEnv, max_episode_steps=1000,
                 kwargs={{"robot": "h1", "control": "pos", "task": task}})
'''


@pytest.fixture
def fake_hb(tmp_path, monkeypatch):
    pkg = tmp_path / "humanoid_bench"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(textwrap.dedent(FAKE_HB.format(scene=str(scene_path("stand")))))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(hb, "_HB_SPECS", None)
    saved = {k: gym.registry.get(k) for k in ("h1-stand-v0", "h1-reach-v0")}
    sys.modules.pop("humanoid_bench", None)
    mwx_sdk.load_plugins()
    yield
    module = sys.modules.pop("humanoid_bench", None)
    for k, v in saved.items():
        if v is not None:
            gym.registry[k] = v
    assert module is not None


def test_unwrapped_is_the_adapter_with_what_mwx_reads(fake_hb):
    env = mwx_sdk.make_env("h1-stand-v0")
    base = env.unwrapped
    assert isinstance(base, hb.HumanoidBenchEnv)
    assert base.task == "stand" and base.success_bar == 800.0 and not base.own_success
    assert base.model is base.hb_env.model and base.data is base.hb_env.data
    assert base.frame_skip == 10 and base.dt == pytest.approx(0.02)
    assert str(base.model_path) == str(scene_path("stand"))
    env.reset(seed=0)
    info = env.step(np.zeros(19, np.float32))[4]
    assert info["stand"] == 1.0 and info["success"] is False
    assert base.evaluate_predicates()["standing"] is True
    assert base.state_summary()["task"] == "stand"
    env.close()


def test_the_package_env_is_built_without_a_gl_context(fake_hb):
    mwx_sdk.make_env("h1-stand-v0").close()
    # the package as the adapter imported it (importing it here first would bypass the adapter)
    assert sys.modules["humanoid_bench"].CONTEXTS == []  # the old pass-through opened one per env (1 GiB shadow map)


def test_seeded_resets_reproduce_global_rng_draws_and_leave_it_alone(fake_hb):
    env = mwx_sdk.make_env("h1-reach-v0")
    base = env.unwrapped
    np.random.seed(123)
    expected = np.random.random()
    np.random.seed(123)
    env.reset(seed=3)
    g1 = base.hb_env.goal.copy()
    assert np.random.random() == expected  # the caller's generator did not move
    env.reset(seed=3)
    assert np.array_equal(base.hb_env.goal, g1)
    env.reset(seed=4)
    assert not np.array_equal(base.hb_env.goal, g1)
    env.reset()  # an unseeded reset goes on from the seeded stream
    env.close()


def test_nonfinite_actions_are_refused_unless_passed(fake_hb):
    env = mwx_sdk.make_env("h1-stand-v0")
    env.reset(seed=0)
    bad = np.zeros(19)
    bad[3] = np.nan
    with pytest.raises(ValueError, match="NaN at joints"):
        env.step(bad)
    env.close()
    env = mwx_sdk.make_env("h1-stand-v0", nonfinite_actions="pass", disable_env_checker=True)
    env.reset(seed=0)
    assert env.step(bad)[4]["nonfinite_action"] is True
    env.close()


def test_mppi_plans_on_the_package_scene(fake_hb):
    from mwx_sdk.interfaces import StepContext
    from mwx_sdk.planning import MPPIPlanner

    env = mwx_sdk.make_env("h1-stand-v0")
    obs, _ = env.reset(seed=0)
    planner = MPPIPlanner(num_samples=4, horizon=3, num_knots=2, threads=1)
    planner.reset(env, StepContext(dt=0.02, env=env.unwrapped))
    try:
        assert planner.config.task == "stand"
        assert planner._model_key[0] == str(scene_path("stand"))
        assert planner.config.self_collision is True  # the adapter's planner default
        # the planner model keeps the robot's self-collisions: robot geoms match each other's bits
        pm = planner._model
        robot = pm.body_rootid[pm.geom_bodyid] == 1
        assert (pm.geom_contype[robot] & pm.geom_conaffinity[robot]).any()
        action = planner.plan(obs, np.zeros(19), StepContext(dt=0.02, env=env.unwrapped))
        assert action.shape == (19,) and np.isfinite(action).all()
    finally:
        planner.close()
        env.close()


def test_fallen_follows_the_packages_own_termination(fake_hb):
    env = mwx_sdk.make_env("h1-reach-v0")
    base = env.unwrapped
    env.reset(seed=0)
    fallen = base.predicates()["fallen"]
    terminated = [env.step(np.zeros(19, np.float32))[2] for _ in range(3)]
    assert terminated == [False, False, True]
    assert fallen() and base.evaluate_predicates()["standing"]  # ended by the task, still upright
    env.reset(seed=0)
    assert not fallen()
    env.close()


def test_the_users_planner_options_win_over_the_envs_defaults(fake_hb):
    from mwx_sdk.interfaces import StepContext
    from mwx_sdk.planning import MPPIPlanner

    for env_id, options, expected in (("h1-stand-v0", {"self_collision": False}, False),
                                      ("mwx/h1-stand-v0", {"self_collision": False}, False),
                                      ("mwx/h1-stand-v0", {}, True)):
        env = mwx_sdk.make_env(env_id)
        env.reset(seed=0)
        planner = MPPIPlanner(num_samples=4, horizon=3, num_knots=2, threads=1, **options)
        try:
            planner.reset(env, StepContext(dt=0.02, env=env.unwrapped))
            assert planner.config.self_collision is expected, env_id
        finally:
            planner.close()
            env.close()
