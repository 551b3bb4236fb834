"""Registration through the plugin hook, and the HumanoidBench pass-through (absent and present)."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from importlib import metadata

import gymnasium as gym
import numpy as np
import pytest

import mwx_sdk
from mwx_sdk.envs import humanoid_bench as hb
from mwx_sdk.envs.registration import TASK_SPECS


def test_plugin_registers_every_task_with_episode_length():
    names = {e.name: e for e in mwx_sdk.list_envs()}
    for s in TASK_SPECS:
        assert s.env_id in names, f"{s.env_id} missing: reinstall with pip install -e . --no-deps"
        assert names[s.env_id].bundled
        assert gym.spec(s.env_id).max_episode_steps == s.max_episode_steps
    assert "h1-walk-v0" in names and "h1hand-door-v0" in names
    env = mwx_sdk.make_env("mwx/h1-walk-v0")
    obs, _ = env.reset(seed=0)
    assert obs.shape == (51,)


def test_gymnasium_entry_point_registers_like_gymnasium_0_29():
    """The ``gymnasium.envs`` entry point, called the way gymnasium 0.26-0.29 call it on import.

    Gymnasium 0.29's ``load_plugin_envs`` loads each ``module:function`` of the group and calls
    it with no arguments inside ``namespace(<entry point name>)``.
    """
    from gymnasium.envs.registration import namespace

    (ep,) = [e for e in metadata.entry_points(group="gymnasium.envs") if e.value.startswith("mwx_sdk")]
    assert ep.name == "mwx" and ":" in ep.value, "reinstall with pip install -e . --no-deps"
    saved = {s.env_id: gym.registry.pop(s.env_id) for s in TASK_SPECS}
    before = set(gym.registry)
    try:
        with namespace(ep.name):
            ep.load()()
        # only the mwx/ ids: a root id would be renamed into the mwx namespace there
        assert set(gym.registry) - before == set(saved)
        for s in TASK_SPECS:
            spec = gym.spec(s.env_id)  # the namespace context leaves the mwx/ ids as they are
            assert (spec.entry_point, spec.max_episode_steps) == (s.env, s.max_episode_steps)
            assert isinstance(spec.entry_point, str)  # a string: registering imports no mujoco
    finally:
        gym.registry.update(saved)


def test_humanoid_bench_absent_error():
    if importlib.util.find_spec("humanoid_bench") is not None:
        pytest.skip("humanoid_bench is installed here; the absent path cannot be exercised")
    mwx_sdk.load_plugins()
    with pytest.raises(hb.HumanoidBenchNotInstalled) as err:
        mwx_sdk.make_env("h1-walk-v0")
    msg = str(err.value)
    for part in ("not on PyPI", "git clone https://github.com/carlosferrazza/humanoid-bench",
                 "pip install -e humanoid-bench", "mujoco==3.1.6", "mwx/h1-walk-v0"):
        assert part in msg
    with pytest.raises(ImportError, match="no built-in equivalent"):
        mwx_sdk.make_env("h1-hurdle-v0")
    # the proxies stay registered after the failed import
    assert gym.spec("h1-walk-v0").entry_point == hb.PROXY_ENTRY_POINT


FAKE_HB = '''
"""A small stand-in for the humanoid_bench package: registers h1-walk-v0."""
import gymnasium as gym
import numpy as np


class FakeWalk(gym.Env):
    metadata = {"render_modes": ["rgb_array"], "render_fps": 50}

    def __init__(self, robot="h1", control="pos", task="walk", render_mode=None):
        self.robot, self.task_name, self.render_mode = robot, task, render_mode
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, (51,), np.float64)
        self.action_space = gym.spaces.Box(-1, 1, (19,), np.float32)
        self.t = 0

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        return np.zeros(51), {}

    def step(self, action):
        self.t += 1
        return np.full(51, float(self.t)), 1.0, False, False, {"per_timestep_reward": 1.0, "move": 1.0}

    def render(self):
        return np.full((8, 8, 3), 7, np.uint8)


gym.register(id="h1-walk-v0", entry_point=FakeWalk, max_episode_steps=1000,
             kwargs={"robot": "h1", "control": "pos", "task": "walk"})
'''


@pytest.fixture
def fake_humanoid_bench(tmp_path, monkeypatch):
    pkg = tmp_path / "humanoid_bench"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(textwrap.dedent(FAKE_HB))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(hb, "_HB_SPECS", None)
    mwx_sdk.load_plugins()
    saved = gym.registry.get("h1-walk-v0")
    yield
    sys.modules.pop("humanoid_bench", None)
    if saved is not None:
        gym.registry["h1-walk-v0"] = saved


def test_humanoid_bench_present_passes_through(fake_humanoid_bench):
    env = mwx_sdk.make_env("h1-walk-v0", render_mode="rgb_array")
    assert env.spec.max_episode_steps == 1000
    inner = env.env
    while not isinstance(inner, hb.HumanoidBenchEnv):
        inner = inner.env
    assert type(inner.env).__name__ == "FakeWalk" and inner.env.render_mode == "rgb_array"
    assert inner.success_bar == 700.0
    env.reset(seed=0)
    flags = []
    for _ in range(701):
        info = env.step(np.zeros(19, np.float32))[4]
        flags.append(info["success"])
    assert info["move"] == 1.0 and info["per_timestep_reward"] == 1.0
    assert flags[698] is False and flags[699] is True  # return 700 reaches the bar
    assert env.render().shape == (8, 8, 3)
    # the proxy is still the registered spec, so the wrapper keeps applying
    assert gym.spec("h1-walk-v0").entry_point == hb.PROXY_ENTRY_POINT
    with pytest.raises(gym.error.Error, match="does not register"):
        mwx_sdk.make_env("h1-run-v0")
