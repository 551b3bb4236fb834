"""``mwx run --gif``, and output paths that cannot be written: refused before the episode runs,
with a one-line error naming the user's path (not a hidden temporary file)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("MUJOCO_GL", "egl")

typer_testing = pytest.importorskip("typer.testing")

RUN = ["run", "walk forward", "--env", "mwx/h1-walk-v0", "--planner", "direct", "--vlm", "lexical",
       "--experts", "stand,walk", "--no-live"]


def _invoke(args: list[str]):
    from mwx_cli.main import app

    return typer_testing.CliRunner().invoke(app, args)


def test_run_writes_a_small_gif(tmp_path: Path):
    from PIL import Image

    out = tmp_path / "gifs" / "walk.gif"
    res = _invoke([*RUN, "--steps", "7", "--no-save", "--gif", str(out)])
    if res.exit_code != 0 and "OpenGL" in res.output:
        pytest.skip(f"no off-screen rendering here: {res.output}")
    assert res.exit_code == 0, res.output + repr(res.exception)
    with Image.open(out) as im:
        assert im.size == (320, 240) and im.n_frames == 3  # steps 0, 3, 6 of 7
    assert sorted(p.name for p in out.parent.iterdir()) == ["walk.gif"]
    assert "gif" in res.output


@pytest.mark.parametrize("flag", ["--video", "--plot", "--gif"])
def test_unwritable_output_paths_fail_before_the_episode(tmp_path: Path, flag: str):
    blocker = tmp_path / "results"
    blocker.write_text("a file where a folder should be")
    name = {"--video": "v.mp4", "--plot": "w.png", "--gif": "g.gif"}[flag]
    target = blocker / name
    # 100000 steps would take hours: the error has to come before the episode
    res = _invoke([*RUN, "--steps", "100000", "--out", str(tmp_path / "runs"), flag, str(target)])
    assert res.exit_code == 2, res.output + repr(res.exception)
    assert f"error: {flag}: cannot write {target}" in res.output  # one line, no box
    assert len(res.output.strip().splitlines()) == 1 and ".tmp" not in res.output
    assert not (tmp_path / "runs").exists()


def test_gif_path_must_end_in_gif(tmp_path: Path):
    res = _invoke([*RUN, "--steps", "1", "--gif", str(tmp_path / "walk.mp4")])
    assert res.exit_code == 2 and ".gif" in res.output


def test_skill_prior_video_to_an_unwritable_path_is_one_line(tmp_path: Path):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file where a folder should be")
    res = _invoke(["skills", "show", "stand", "--video", str(blocker / "stand.mp4")])
    assert res.exit_code == 1, res.output + repr(res.exception)
    assert f"error: cannot write {blocker / 'stand.mp4'}" in res.output and "Traceback" not in res.output
