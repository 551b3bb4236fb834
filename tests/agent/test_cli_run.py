"""``mwx run`` / ``mwx demo`` smoke tests on real physics with the direct planner."""

from __future__ import annotations

import os
import warnings

import pytest

os.environ.setdefault("MUJOCO_GL", "egl")

typer_testing = pytest.importorskip("typer.testing")


def _app():
    from mwx_cli.main import app

    return app


def _have_env(env_id: str) -> bool:
    import mwx_sdk

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return any(e.name == env_id for e in mwx_sdk.list_envs()) and bool(mwx_sdk.list_experts())


def test_run_writes_plot_and_summary(tmp_path):
    if not _have_env("mwx/h1-walk-v0"):
        pytest.skip("bundled envs or skills not installed")
    runner = typer_testing.CliRunner()
    res = runner.invoke(
        _app(),
        ["run", "walk forward", "--env", "mwx/h1-walk-v0", "--planner", "direct", "--vlm", "lexical",
         "--steps", "6", "--plot", str(tmp_path / "w.png"), "--no-live", "--experts", "stand,walk",
         "--out", str(tmp_path / "runs")],
    )
    assert res.exit_code == 0, res.output + repr(res.exception)
    assert "return" in res.output and "ms/step" in res.output
    assert "sub-goal 1: walk forward -> walk" in res.output
    assert (tmp_path / "w.png").stat().st_size > 1000
    assert (tmp_path / "runs" / "walk-forward.mp4").stat().st_size > 0  # default video next to --out


def test_run_video(tmp_path):
    if not _have_env("mwx/h1-stand-v0"):
        pytest.skip("bundled envs or skills not installed")
    from mwx_cli.run import run_episode

    try:
        res = run_episode("stand still", "mwx/h1-stand-v0", experts=["stand", "walk"], planner="direct",
                          vlm="lexical", steps=4, video=tmp_path / "v.mp4", live=False, width=96, height=64)
    except Exception as exc:  # no GL backend on this machine
        if "OpenGL" in str(exc) or "MUJOCO_GL" in str(exc):
            pytest.skip(f"no off-screen rendering here: {exc}")
        raise
    assert res.video is not None and res.video.stat().st_size > 0
    assert res.steps == 4 and res.experts == ["stand", "walk"]


def test_bad_options_are_explained(tmp_path):
    runner = typer_testing.CliRunner()
    res = runner.invoke(_app(), ["run", "walk", "--video", str(tmp_path / "x.gif"), "--steps", "1"])
    assert res.exit_code != 0 and ".mp4" in res.output


def test_env_is_picked_from_the_instruction():
    if not _have_env("mwx/h1-walk-v0"):
        pytest.skip("bundled envs not installed")
    from mwx_cli.run import pick_env

    # the chair ahead of the robot is walk_sit's; sit_simple's chair is behind it
    assert pick_env("walk forward then sit on the chair") == "mwx/h1-walk_sit-v0"
    assert pick_env("walk to the chair and sit down") == "mwx/h1-walk_sit-v0"
    assert pick_env("sit down on the chair behind you") == "mwx/h1-sit_simple-v0"
    assert pick_env("open the door and walk through") == "mwx/h1-door-v0"
    assert pick_env("walk forward") == "mwx/h1-walk-v0"
    assert pick_env("run fast") == "mwx/h1-run-v0"
    assert pick_env("stand still") == "mwx/h1-stand-v0"


def test_run_with_litellm_over_loopback(tmp_path, monkeypatch):
    pytest.importorskip("litellm", reason="needs the vlm extra")
    if not _have_env("mwx/h1-walk-v0"):
        pytest.skip("bundled envs or skills not installed")
    import json
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "semantic"))
    from loopback import ChatServer

    monkeypatch.setenv("MWX_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("MWX_CLI_TEST_KEY", "sk-cli-secret")
    with ChatServer() as server:
        server.content = json.dumps(
            {"subgoals": [{"description": "walk", "scores": {"walk": 1.0, "stand": 0.1}, "predicate": None}]}
        )
        args = ["run", "walk forward", "--env", "mwx/h1-walk-v0", "--planner", "direct", "--vlm", "litellm",
                "--model", "openai/test-model", "--api-base", server.api_base, "--api-key-env", "MWX_CLI_TEST_KEY",
                "--experts", "stand,walk", "--steps", "3", "--no-live", "--no-save"]
        res = typer_testing.CliRunner().invoke(_app(), args)
        assert res.exit_code == 0, res.output + repr(res.exception)
        assert len(server.requests) == 1
        assert "Current state:" in json.dumps(server.requests[0]["messages"])  # the env's summary
        assert "sub-goal 1: walk -> walk" in res.output
        res = typer_testing.CliRunner().invoke(_app(), args)
        assert res.exit_code == 0 and len(server.requests) == 1, "the repeated run is served from the cache"
    assert "sk-cli-secret" not in res.output
    bad = typer_testing.CliRunner().invoke(_app(), ["run", "walk", "--model", "x/y", "--steps", "1"])
    assert bad.exit_code != 0 and "--vlm litellm" in bad.output


def test_demo_writes_video_and_plot(tmp_path):
    if not _have_env("mwx/h1-walk-v0"):
        pytest.skip("bundled envs or skills not installed")
    out = tmp_path / "demo"
    res = typer_testing.CliRunner().invoke(
        _app(), ["demo", "--out", str(out), "--steps", "3", "--planner", "direct", "--no-live"]
    )
    if res.exit_code != 0 and "OpenGL" in repr(res.exception):
        pytest.skip(f"no off-screen rendering here: {res.exception}")
    assert res.exit_code == 0, res.output + repr(res.exception)
    assert (out / "demo.mp4").stat().st_size > 0 and (out / "weights.png").stat().st_size > 1000
    assert "stand still" in res.output and "walk forward" in res.output


def test_an_episode_ended_by_its_task_succeeding_is_not_a_fall():
    """walk_sit ends the episode once the robot has sat for 1 s: ``mwx run`` must not report it
    as a fall, while an episode the env ended otherwise is one."""
    import mujoco

    import mwx_sdk
    from mwx_cli.run import episode_fell

    env = mwx_sdk.make_env("mwx/h1-walk_sit-v0")
    env.reset(seed=0)
    assert not episode_fell(env, terminated=True, success=True)
    assert episode_fell(env, terminated=True, success=False)
    assert not episode_fell(env, terminated=False, success=False)
    base = env.unwrapped
    base.data.qpos[2] = 0.2  # lying on the floor: down, whatever ended the episode
    mujoco.mj_forward(base.model, base.data)
    assert episode_fell(env, terminated=False, success=False)
    env.close()
