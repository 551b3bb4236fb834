"""Gymnasium conventions of the built-in tasks: reaching the ids without importing mwx first,
``check_env``, ``make_vec``, and registration that loads neither torch nor mujoco."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import mwx_sdk
from mwx_sdk.envs.registration import TASK_SPECS

GYM_1 = int(gym.__version__.split(".")[0]) >= 1
IDS = [s.env_id for s in TASK_SPECS]
HEAVY = "('torch', 'mujoco')"


def _python(code: str, cwd) -> str:
    """Run ``code`` in a fresh interpreter outside the repository (the installed package)."""
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], check=False, cwd=cwd,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def test_import_gymnasium_loads_neither_torch_nor_mujoco(tmp_path):
    _python(f"""
        import sys
        import gymnasium
        assert not [m for m in {HEAVY} if m in sys.modules], sorted(sys.modules)
        """, tmp_path)


def test_gymnasium_make_without_importing_mwx_first(tmp_path):
    # gymnasium 1.x loads no env plugins on import; its "module:id" form imports the module
    code = """
        import sys
        import gymnasium as gym
        env = gym.make("mwx_sdk:mwx/h1-walk-v0")
        obs, _ = env.reset(seed=0)
        assert obs.shape == (51,) and env.spec.max_episode_steps == 1000
        """
    if not GYM_1:  # 0.26-0.29 run the gymnasium.envs entry point on import
        code += """
        env = gym.make("mwx/h1-run-v0")
        """
    _python(code, tmp_path)


@pytest.mark.parametrize("gymnasium_first", [True, False], ids=["gymnasium-first", "mwx-first"])
def test_import_mwx_sdk_registers_every_id_lazily(tmp_path, gymnasium_first):
    first, second = ("gymnasium", "mwx_sdk") if gymnasium_first else ("mwx_sdk", "gymnasium")
    _python(f"""
        import sys
        import {first}
        if {first!r} == "mwx_sdk":
            # `mwx --help` imports mwx_sdk and must not pay for gymnasium
            assert "gymnasium" not in sys.modules
        import {second}
        import gymnasium as gym
        missing = [i for i in {IDS!r} if i not in gym.registry]
        assert not missing, missing
        assert not [m for m in {HEAVY} if m in sys.modules], sorted(sys.modules)
        assert gym.make("mwx/h1-stand-v0").reset(seed=1)[0].shape == (51,)
        """, tmp_path)


def test_registration_failure_does_not_break_import_gymnasium(tmp_path):
    # a broken registration warns; the user's `import gymnasium` still succeeds
    _python("""
        import warnings
        import mwx_sdk._gymnasium as hook
        def broken():
            raise RuntimeError("boom")
        hook._register = broken
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            import mwx_sdk
            import gymnasium
        assert gymnasium.make
        assert any("boom" in str(w.message) for w in caught), [str(w.message) for w in caught]
        """, tmp_path)


# ---------------------------------------------------------------- check_env, make_vec

# MuJoCo observations are unbounded (gymnasium's own MuJoCo envs declare the same)
_UNBOUNDED = ("minimum value is -infinity", "maximum value is infinity",
              "maximum value is -infinity")  # gymnasium 0.29's wording of the same check


def _check(env) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env.unwrapped)
    return [str(w.message) for w in caught if not any(u in str(w.message) for u in _UNBOUNDED)]


@pytest.mark.parametrize("env_id", IDS)
def test_check_env_passes_without_warnings(env_id):
    env = gym.make(env_id)
    try:
        assert _check(env) == []
        u = env.unwrapped
        assert env.observation_space.dtype == np.float64 and env.action_space.dtype == np.float32
        assert u.metadata["render_fps"] == round(1 / u.dt)
        obs, _ = env.reset(seed=3)
        assert obs in env.observation_space
    finally:
        env.close()


def test_check_env_with_rendering():
    env = gym.make("mwx/h1-walk-v0", render_mode="rgb_array", width=32, height=24)
    try:
        assert _check(env) == []
        env.reset(seed=0)
        assert env.render().shape == (24, 32, 3)
    finally:
        env.close()


@pytest.mark.parametrize("env_id", IDS)
def test_make_vec_sync(env_id):
    envs = gym.make_vec(env_id, num_envs=2, vectorization_mode="sync")
    try:
        obs, _ = envs.reset(seed=0)
        n = envs.single_observation_space.shape[0]
        assert obs.shape == (2, n) and obs.dtype == envs.single_observation_space.dtype
        again, _ = envs.reset(seed=0)
        np.testing.assert_array_equal(obs, again)  # seeded resets reproduce
        assert not np.array_equal(obs[0], obs[1])  # the sub-envs get different seeds
        envs.action_space.seed(0)
        obs, reward, terminated, _, info = envs.step(envs.action_space.sample())
        assert obs.shape == (2, n) and reward.shape == (2,) and terminated.dtype == np.bool_
        assert info["success"].shape == (2,)
    finally:
        envs.close()


def test_make_env_and_gymnasium_make_give_the_same_env():
    a, b = mwx_sdk.make_env("mwx/h1-walk-v0"), gym.make("mwx/h1-walk-v0")
    try:
        np.testing.assert_array_equal(a.reset(seed=5)[0], b.reset(seed=5)[0])
        assert a.spec.max_episode_steps == b.spec.max_episode_steps == 1000
    finally:
        a.close()
        b.close()
