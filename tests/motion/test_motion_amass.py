"""AMASS path end to end on a synthetic SMPL-H body model: smplx and numpy kinematics agree,
the keypoints stand upright in Z-up, retargeting produces a valid H1 clip, pickle is opt-in."""

from __future__ import annotations

import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest
from smpl_fixture import BODY_REST, make_smplh_model, make_walk_amass

from mwx_sdk.motion.amass import load_amass, load_body_model
from mwx_sdk.motion.retarget import RetargetConfig, retarget


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    root = tmp_path_factory.mktemp("smpl")
    make_smplh_model(root)
    return root, make_walk_amass(root, frames=30)


def test_numpy_kinematics_gives_upright_z_up_keypoints(synthetic):
    root, motion = synthetic
    h = load_amass(motion, root, backend="numpy")
    assert h.fps == 60.0 and h.num_frames == 30 and h.meta["model_type"] == "smplh"
    # frame 0 has zero body pose: pelvis at 0.93 m, head above it, ankles near the floor
    assert h["pelvis"][0, 2] == pytest.approx(0.93)
    assert h["head"][0, 2] == pytest.approx(0.93 + BODY_REST[15, 1] - BODY_REST[0, 1])
    assert h["left_ankle"][0, 2] == pytest.approx(0.93 - (BODY_REST[0, 1] - BODY_REST[7, 1]))
    # the body walks forward (along -y, the direction it faces) by 1 m/s
    assert h["pelvis"][-1, 1] - h["pelvis"][0, 1] == pytest.approx(-29 / 60)
    # the left hip is on the body's left: left x up = forward = -y
    fwd = np.cross(h["left_hip"][0] - h["right_hip"][0], [0, 0, 1.0])
    assert fwd[1] < 0


def test_smplx_backend_matches_numpy(synthetic):
    pytest.importorskip("smplx")
    root, motion = synthetic
    a = load_amass(motion, root, backend="numpy", max_frames=8)
    b = load_amass(motion, root, backend="smplx", max_frames=8)
    np.testing.assert_allclose(a.positions, b.positions, atol=1e-5)


def test_retargets_to_a_valid_h1_clip(synthetic, tmp_path: Path):
    root, motion = synthetic
    h = load_amass(motion, root, backend="numpy")
    clip = retarget(h, RetargetConfig(fps=50.0, first_frame_iterations=20))
    assert clip.num_frames == 25 and clip.robot == "h1"
    q = clip.meta["quality"]
    assert q["joint_limit_violation_max"] == 0.0 and q["foot_penetration_max"] < 1e-6
    assert q["keypoint_error_mean"] < 0.08
    assert clip.root_pos[-1, 0] > clip.root_pos[0, 0]  # turned to walk along +x
    assert "AMASS" in clip.license
    clip.save(tmp_path / "amass_clip.npz")


def test_pickle_body_models_are_opt_in(synthetic, tmp_path: Path):
    root, _ = synthetic
    with np.load(root / "SMPLH_NEUTRAL.npz") as z:
        arrays = {k: z[k] for k in z.files}
    pkl = tmp_path / "SMPLH_NEUTRAL.pkl"
    with open(pkl, "wb") as fh:
        pickle.dump(arrays, fh)
    with pytest.raises(ValueError, match="allow_pickle=True"):
        load_body_model(pkl)
    with pytest.warns(UserWarning, match="arbitrary code"):
        m = load_body_model(pkl, allow_pickle=True)
    assert m["J_regressor"].shape == (52, 6890)


def test_bad_body_model_and_motion_files_explain(synthetic, tmp_path: Path):
    root, motion = synthetic
    np.savez(tmp_path / "SMPLH_NEUTRAL.npz", v_template=np.zeros((5, 3)))
    with pytest.raises(ValueError, match="missing shapedirs"):
        load_body_model(tmp_path)
    with pytest.raises(FileNotFoundError, match="SMPLH_NEUTRAL"):
        load_body_model(tmp_path / "empty_dir_that_is_missing")
    np.savez(tmp_path / "m.npz", poses=np.zeros((3, 10)), trans=np.zeros((3, 3)), mocap_framerate=30.0)
    with pytest.raises(ValueError, match="poses must be"):
        load_amass(tmp_path / "m.npz", root)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_amass(motion, root, backend="numpy", max_frames=2)  # the npz path never warns


def test_file_gender_in_bytes_or_capitals_finds_the_model(synthetic, tmp_path: Path):
    root, motion = synthetic
    with np.load(motion) as z:
        arrays = {k: z[k] for k in z.files}
    for gender in (np.array(b"NEUTRAL"), np.array(["Neutral "])):
        f = tmp_path / "clip.npz"
        np.savez(f, **{**arrays, "gender": gender})
        h = load_amass(f, root, backend="numpy", max_frames=2)
        assert h.meta["gender"] == "neutral"
