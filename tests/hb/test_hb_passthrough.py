"""mwx on the real HumanoidBench package: adapter, seeding, physics parity, planner, CLI.

Skipped (marker ``hb``) where ``humanoid_bench`` is not installed; see ``conftest.py``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("MUJOCO_GL", "egl")

import mujoco

import mwx_sdk
from mwx_sdk.envs import humanoid_bench as hb


def _package_env(hb_id: str):
    """The package's own env for ``hb_id``, as the package builds it (no render mode)."""
    spec = hb._load_hb_specs(hb_id)[hb_id]
    return hb._load_creator(spec.entry_point)(**{**spec.kwargs, "render_mode": None})


def test_unwrapped_is_the_adapter_on_the_package_scene_without_gl():
    env = mwx_sdk.make_env("h1-walk-v0")
    try:
        base = env.unwrapped
        assert isinstance(base, hb.HumanoidBenchEnv)
        assert base.task == "walk" and base.success_bar == 700.0
        assert base.model_path.name == "h1_pos_walk.xml"
        assert Path(sys.modules["humanoid_bench"].__file__).parent in base.model_path.parents
        assert base.frame_skip == 10 and base.dt == pytest.approx(0.02)
        # the package's viewer (a GL context with a 16384-pixel shadow map) was never opened
        assert base.hb_env.render_mode is None and getattr(base.hb_env, "viewer", None) is None
        obs, _ = env.reset(seed=0)
        assert obs.shape == (51,)
        assert base.evaluate_predicates()["standing"] is True
    finally:
        env.close()


def test_steps_are_the_packages_own():
    env = mwx_sdk.make_env("h1-walk-v0")
    raw = _package_env("h1-walk-v0")
    try:
        o1, _ = env.reset(seed=5)
        o2, _ = raw.reset(seed=5)
        assert np.array_equal(o1, o2)
        rng = np.random.default_rng(0)
        for _ in range(10):
            a = rng.uniform(-1, 1, 19).astype(np.float32)
            s1, s2 = env.step(a), raw.step(a)
            assert np.array_equal(s1[0], s2[0]) and s1[1] == s2[1] and s1[2] == s2[2]
            assert {k: v for k, v in s1[4].items() if k != "success"} == s2[4]
    finally:
        env.close()
        raw.close()


def test_seeded_resets_reproduce_the_task_randomisation():
    env = mwx_sdk.make_env("h1-reach-v0")
    try:
        task = env.unwrapped.hb_task
        np.random.seed(7)
        expected = np.random.random()
        np.random.seed(7)
        env.reset(seed=1)
        goal = task.goal.copy()
        assert np.random.random() == expected  # the caller's global generator is untouched
        env.reset(seed=1)
        assert np.array_equal(task.goal, goal)
        env.reset(seed=2)
        assert not np.array_equal(task.goal, goal)
    finally:
        env.close()


def test_render_uses_a_capped_shadow_map():
    from mwx_sdk.envs.render import RenderError

    env = mwx_sdk.make_env("h1-stand-v0", render_mode="rgb_array", width=64, height=48)
    try:
        env.reset(seed=0)
        try:
            frame = env.render()
        except RenderError as exc:
            pytest.skip(f"no off-screen rendering here: {exc}")
        assert frame.shape == (48, 64, 3) and frame.dtype == np.uint8 and frame.std() > 0
        assert env.unwrapped.model.vis.quality.shadowsize == 16384  # the model keeps its own value
    finally:
        env.close()


def test_reference_scene_steps_bit_for_bit_with_the_packages_float32_control_map():
    """The shared reference scene is the package's scene: stepped with the package's control
    arithmetic (float32 bounds) it reproduces the package exactly; the built-in tasks' float64
    map differs by up to 2.5e-7 per control, which contacts amplify within a second."""
    from mwx_sdk.envs.base import reference_model_path

    path = reference_model_path("walk")
    if not path.is_file():
        pytest.skip("the HumanoidBench reference assets are not beside the repository")
    model = mujoco.MjModel.from_xml_path(str(path))
    data = mujoco.MjData(model)
    raw = _package_env("h1-walk-v0")
    try:
        raw.reset(seed=0)
        data.qpos[:], data.qvel[:] = raw.data.qpos, raw.data.qvel
        data.qacc_warmstart[:] = raw.data.qacc_warmstart
        data.time = raw.data.time
        mujoco.mj_forward(model, data)
        rng = np.random.default_rng(1)
        for _ in range(25):
            a = rng.uniform(-1, 1, 19).astype(np.float32)
            raw.step(a)
            data.ctrl[:] = raw.unwrapped.task.unnormalize_action(a)  # float32 arithmetic
            mujoco.mj_step(model, data, nstep=10)
            mujoco.mj_rnePostConstraint(model, data)
        assert np.array_equal(data.qpos, raw.data.qpos)
    finally:
        raw.close()


def test_mppi_plans_on_the_package_model_and_the_agent_sees_predicates():
    from mwx_sdk.agent import compose

    env = mwx_sdk.make_env("h1-stand-v0")
    agent = compose(experts=["stand"], router="uniform", planner="mppi", vlm="lexical",
                    planner_config={"num_samples": 4, "horizon": 3, "num_knots": 2, "threads": 1},
                    config={"keep_history": False})
    try:
        obs, _ = env.reset(seed=0)
        agent.reset("stand still", env, seed=0)
        assert "fallen" in agent.predicate_names
        assert agent.planner.config.task == "stand"
        assert agent.planner._model_key[0] == str(env.unwrapped.model_path)
        assert agent.planner.config.self_collision is True  # the mesh H1 plans with its self-contacts
        for _ in range(3):
            obs, _, terminated, _, _ = env.step(agent.act(obs))
            assert not terminated
    finally:
        agent.close()
        env.close()


def test_cli_run_and_eval_on_a_humanoid_bench_id(tmp_path):
    typer_testing = pytest.importorskip("typer.testing")
    from mwx_cli.main import app

    runner = typer_testing.CliRunner()
    res = runner.invoke(app, ["run", "stand still", "--env", "h1-stand-v0", "--planner", "direct", "--vlm",
                              "lexical", "--experts", "stand", "--steps", "3", "--no-live", "--no-save"])
    assert res.exit_code == 0, res.output + repr(res.exception)
    res = runner.invoke(app, ["eval", "--env", "h1-stand-v0", "--experts", "stand", "--planner", "direct",
                              "--vlm", "lexical", "--steps", "3", "--out", str(tmp_path / "ev"), "--no-plots"])
    assert res.exit_code == 0, res.output + repr(res.exception)
