"""Headless rendering (MUJOCO_GL=egl by default in the test conftest) and mp4 recording."""

from __future__ import annotations

import os

import numpy as np
import pytest

from mwx_sdk.envs.render import RenderError, SceneRenderer, VideoRecorder, overlay_text
from mwx_sdk.envs.tasks import TASKS


@pytest.fixture(scope="module")
def env():
    e = TASKS["stand"](render_mode="rgb_array", width=96, height=72)
    e.reset(seed=0)
    try:
        e.render()
    except RenderError as exc:
        pytest.skip(f"no OpenGL backend for MUJOCO_GL={os.environ.get('MUJOCO_GL')!r}: {exc}")
    yield e
    e.close()


def test_rgb_array_frames_follow_the_robot(env):
    f0 = env.render()
    assert f0.shape == (72, 96, 3) and f0.dtype == np.uint8 and f0.std() > 5
    # the tracking camera keeps the robot in view after it moves away
    env.data.qpos[0] += 5.0
    env.step(np.zeros(19))
    f1 = env.render()
    assert f1.std() > 5
    assert np.abs(f0.astype(int) - f1.astype(int)).mean() < 40


def test_tracking_light_follows_the_robot_and_the_model_keeps_its_shadowclip(env):
    clip = env.model.vis.map.shadowclip
    r = SceneRenderer(env.model, 32, 24)
    try:
        assert env.model.vis.map.shadowclip == clip  # only the renderer's context used its own
        env.data.qpos[:2] += (7.0, -3.0)
        env.step(np.zeros(19))
        r.render(env.data)
        pelvis = env.data.xpos[r._track]
        scn = r._renderer.scene
        shadow = [scn.lights[j] for j in range(scn.nlight) if scn.lights[j].castshadow and not scn.lights[j].headlight]
        assert shadow, "the scene has no shadow-casting light"
        # mjvLight.id names the model light from mujoco 3.2 on; with 3.1 take the first shadow-casting one
        k = getattr(shadow[0], "id", None)
        if k is None:
            k = int(np.flatnonzero(env.model.light_castshadow)[0])
        model_xy = env.model.light_pos[k, :2]
        np.testing.assert_allclose(shadow[0].pos[:2], model_xy + pelvis[:2], atol=1e-4)
    finally:
        r.close()
        env.reset(seed=0)


def test_gif_from_rendered_frames(env, tmp_path):
    from PIL import Image

    from mwx_sdk.envs.render import GifRecorder

    out = tmp_path / "stand.gif"
    with GifRecorder(out, fps=50, every=2, width=48) as rec:
        for i in range(5):
            env.step(np.zeros(19))
            rec.add(env.render() if rec.wants_frame() else None, [f"step {i}"])
    with Image.open(out) as im:
        assert im.size == (48, 36) and im.n_frames == 3


def test_fixed_camera_and_bad_camera(env):
    with pytest.raises(ValueError, match="no camera named"):
        SceneRenderer(env.model, 32, 32, camera="does_not_exist")


def test_video_recorder_writes_atomically_with_overlay(env, tmp_path):
    import imageio.v2 as imageio

    out = tmp_path / "vid" / "run.mp4"
    with VideoRecorder(out, fps=50) as rec:
        for i in range(6):
            env.step(np.zeros(19))
            rec.add(env.render(), [f"step {i}", "stand 0.70 walk 0.30"])
    assert out.is_file() and out.stat().st_size > 0
    assert [p.name for p in out.parent.iterdir()] == ["run.mp4"]  # no temp file left
    frames = [f for f in imageio.get_reader(out)]  # list() would ask len(), unknown for mp4
    assert len(frames) == 6 and frames[0].shape == (72, 96, 3)
    with pytest.raises(ValueError, match=".mp4"):
        VideoRecorder(tmp_path / "x.gif")


def test_overlay_text_draws_pixels():
    frame = np.full((40, 120, 3), 128, np.uint8)
    out = overlay_text(frame, ["w=0.7"])
    assert out.shape == frame.shape and not np.array_equal(out, frame)
    assert np.array_equal(frame, np.full((40, 120, 3), 128, np.uint8))  # input untouched


def test_a_task_sets_its_tracking_view(env):
    door_wall = TASKS["door_wall"](render_mode="rgb_array", width=96, height=72)
    door_wall.reset(seed=0)
    frame = door_wall.render()
    assert frame.shape == (72, 96, 3) and frame.std() > 5
    cam = door_wall._renderer.camera
    assert (cam.azimuth, cam.distance) == (45.0, 4.0)  # door_wall's view; stand keeps the default
    assert env._renderer.camera.azimuth == 150.0
    door_wall.close()
