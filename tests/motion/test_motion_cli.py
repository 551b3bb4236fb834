"""`mwx motion retarget | info | show` through the real CLI app."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from mwx_cli.main import app
from typer.testing import CliRunner

runner = CliRunner()


def test_retarget_then_info(cmu_dir: Path, tmp_path: Path):
    out = tmp_path / "run.npz"
    res = runner.invoke(app, ["motion", "retarget", str(cmu_dir / "09_01.bvh"), "--start", "0.2", "--stop", "0.6",
                              "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "sliding_mean" in res.output and out.is_file()
    res = runner.invoke(app, ["motion", "info", str(out), "--json"])
    assert res.exit_code == 0, res.output
    info = json.loads(res.output)
    assert info["clip"]["frames"] == 20 and info["clip"]["robot"] == "h1"
    assert info["metrics"]["joint_limit_violation_max"] == 0.0
    res = runner.invoke(app, ["motion", "info", str(out), "--recompute"])
    assert res.exit_code == 0 and "foot_penetration_max" in res.output


def test_errors_are_clear(tmp_path: Path):
    res = runner.invoke(app, ["motion", "info", str(tmp_path / "none.npz")])
    assert res.exit_code == 1 and "mwx motion retarget" in res.output
    (tmp_path / "x.txt").write_text("hi")
    res = runner.invoke(app, ["motion", "retarget", str(tmp_path / "x.txt"), "-o", str(tmp_path / "o.npz")])
    assert res.exit_code == 1 and "expected a .bvh or an AMASS .npz" in res.output
    np.savez(tmp_path / "a.npz", poses=np.zeros((3, 156)))
    res = runner.invoke(app, ["motion", "retarget", str(tmp_path / "a.npz"), "-o", str(tmp_path / "o.npz")])
    assert res.exit_code == 1 and "--body-model" in res.output


def test_show_writes_a_video(tmp_path: Path):
    if os.environ.get("MUJOCO_GL") not in ("egl", "osmesa"):
        pytest.skip("headless rendering needs MUJOCO_GL=egl or osmesa")
    prior = Path(__file__).resolve().parents[2] / "skills" / "stand" / "prior.npz"
    out = tmp_path / "stand.mp4"
    res = runner.invoke(app, ["motion", "show", str(prior), "-o", str(out), "--seconds", "0.1",
                              "--width", "64", "--height", "48"])
    if res.exit_code != 0 and "OpenGL" in res.output:
        pytest.skip(f"no OpenGL backend: {res.output[-200:]}")
    assert res.exit_code == 0, res.output
    import imageio.v2 as imageio

    frames = [f for f in imageio.get_reader(out)]
    assert len(frames) == 5 and frames[0].shape == (48, 64, 3)
    assert frames[0].std() > 1.0  # something was drawn


def test_render_prior_video_from_an_expert(tmp_path: Path):
    if os.environ.get("MUJOCO_GL") not in ("egl", "osmesa"):
        pytest.skip("headless rendering needs MUJOCO_GL=egl or osmesa")
    import mwx_sdk
    from mwx_sdk.motion.video import render_prior_video

    expert = mwx_sdk.get_expert("sit", pelvis_height=0.8)
    try:
        path = render_prior_video(expert, tmp_path / "sit.mp4", seconds=0.06, width=64, height=48, caption=False)
    except Exception as exc:  # RenderError from a machine without OpenGL
        if "OpenGL" in str(exc):
            pytest.skip(str(exc))
        raise
    import imageio.v2 as imageio

    assert len([f for f in imageio.get_reader(path)]) == 3  # list() would trust an infinite len hint


def test_retarget_amass_with_a_body_model(tmp_path: Path):
    from smpl_fixture import make_smplh_model, make_walk_amass

    make_smplh_model(tmp_path)
    motion = make_walk_amass(tmp_path, frames=20)
    out = tmp_path / "amass.npz"
    res = runner.invoke(app, ["motion", "retarget", str(motion), "--body-model", str(tmp_path),
                              "--smpl-backend", "numpy", "-o", str(out)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["motion", "info", str(out), "--json"])
    assert json.loads(res.output)["clip"]["source"] == "amass:walk_poses.npz"
