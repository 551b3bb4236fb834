"""Hostile motion files: BVH frame counts that are zero, negative or not numbers, and AMASS
``gender`` strings that would steer the body-model lookup out of the ``--body-model`` folder."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from mwx_sdk.motion.amass import check_gender, load_amass, load_body_model
from mwx_sdk.motion.bvh import BVHError, load_bvh, parse_bvh

CLIP = """HIERARCHY
ROOT Hips
{
  OFFSET 0 0 0
  CHANNELS 6 Xposition Yposition Zposition Zrotation Yrotation Xrotation
  End Site
  {
    OFFSET 0 -10 0
  }
}
MOTION
Frames: 2
Frame Time: 0.5
1 20 3 0 0 0
0 20 0 90 0 0
"""


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Frames: 0", "'Frames: 0': a clip needs at least one motion frame"),
        ("Frames: -300", "'Frames: -300': a clip needs at least one motion frame"),
        ("Frames: two", "'Frames:' needs a whole number, got 'two'"),
        ("Frame Time: 0", "'Frame Time: 0.0' must be a positive number of seconds"),
        ("Frame Time: nan", "'Frame Time: nan' must be a positive number of seconds"),
        ("Frame Time: fast", "'Frame Time:' needs a number of seconds, got 'fast'"),
    ],
)
def test_bad_motion_headers_are_refused_naming_the_file(tmp_path: Path, header: str, message: str):
    key = header.split(":")[0]
    text = re.sub(rf"^{key}:.*$", header, CLIP, flags=re.MULTILINE)
    f = tmp_path / "clip.bvh"
    f.write_text(text)
    with pytest.raises(BVHError, match=re.escape(message)) as err:
        parse_bvh(f)
    assert str(err.value).startswith(f"{f}:")
    with pytest.raises(ValueError, match=re.escape(str(f))):
        load_bvh(f)


def test_a_one_frame_clip_still_parses(tmp_path: Path):
    f = tmp_path / "one.bvh"
    f.write_text(CLIP.replace("Frames: 2", "Frames: 1"))
    assert parse_bvh(f).num_frames == 1


def test_gender_accepts_the_three_body_models_in_any_case():
    assert [check_gender(g) for g in ("neutral", "MALE", " Female ")] == ["neutral", "male", "female"]
    for bad in ("../../x", "male/../../x", "", "other", None, 3):
        with pytest.raises(ValueError, match="must be one of neutral, male, female"):
            check_gender(bad)


def _layout(tmp_path: Path) -> tuple[Path, Path]:
    """A body-model folder and, beside it, a model.npz that a traversing gender would reach."""
    models = tmp_path / "models"
    (models / "smplh").mkdir(parents=True)
    outside = tmp_path / "x"
    outside.mkdir()
    np.savez(outside / "model.npz", v_template=np.zeros((5, 3)))
    return models, outside


@pytest.mark.parametrize("gender", ["../../x", "../../X", np.array(b"../../x")])
def test_amass_gender_cannot_leave_the_body_model_folder(tmp_path: Path, gender):
    models, outside = _layout(tmp_path)
    motion = tmp_path / "clip.npz"
    np.savez(motion, poses=np.zeros((3, 156)), trans=np.zeros((3, 3)), betas=np.zeros(10),
             gender=gender, mocap_framerate=60.0)
    with pytest.raises(ValueError, match="the file's gender must be one of neutral, male, female") as err:
        load_amass(motion, models, backend="numpy")
    assert str(motion) in str(err.value) and str(outside) not in str(err.value)
    with pytest.raises(ValueError, match="gender must be one of"):
        load_body_model(models, "smplh", "../../x")


def test_gender_override_is_checked_and_case_insensitive(tmp_path: Path):
    models, _ = _layout(tmp_path)
    np.savez(models / "SMPLH_FEMALE.npz", v_template=np.zeros((5, 3)))
    # "FEMALE " resolves to the female model: its (deliberately incomplete) arrays are reported
    with pytest.raises(ValueError, match=r"SMPLH_FEMALE\.npz is not an SMPL-family body model"):
        load_body_model(models, "smplh", "FEMALE ")
    motion = tmp_path / "clip.npz"
    np.savez(motion, poses=np.zeros((3, 156)), trans=np.zeros((3, 3)), gender="neutral", mocap_framerate=60.0)
    with pytest.raises(ValueError, match=r"gender must be one of .* got '\.\./\.\./x'"):
        load_amass(motion, models, gender="../../x")
