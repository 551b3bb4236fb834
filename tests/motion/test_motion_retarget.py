"""Retargeting a short CMU segment to the H1 stays within quality thresholds; editing helpers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mwx_sdk.motion.bvh import load_bvh
from mwx_sdk.motion.editing import find_loop, make_loop, reverse_clip, still_clip
from mwx_sdk.motion.quality import clip_metrics, foot_sliding, rms_joint_error
from mwx_sdk.motion.retarget import RetargetConfig, contact_labels, retarget
from mwx_sdk.motion.robots import H1


@pytest.fixture(scope="module")
def walk_clip():
    cmu = Path(__file__).resolve().parents[3] / "shared" / "motion" / "cmu"
    if not cmu.is_dir():
        pytest.skip("../shared/motion/cmu is not present")
    human = load_bvh(cmu / "07_01.bvh").frames(0, 120)  # 1 s of walking -> 50 frames at 50 Hz
    return retarget(human, RetargetConfig(fps=50.0))


def test_short_walk_segment_meets_quality_thresholds(walk_clip):
    c = walk_clip
    assert c.num_frames == 50 and c.fps == 50.0 and c.robot == "h1"
    assert c.joint_names == H1.joint_names
    q = c.meta["quality"]
    assert q["joint_limit_violation_max"] == 0.0
    assert q["foot_penetration_max"] < 1e-6
    assert q["stance_foot_gap_mean"] < 0.01  # stance soles touch the floor
    assert q["sliding_mean"] < 0.1  # m/s while in contact
    assert q["keypoint_error_mean"] < 0.06
    # both feet are in contact for part of the second, never both in the air for long
    assert 0.2 < c.contacts[:, 0].mean() < 0.9 and 0.2 < c.contacts[:, 1].mean() < 0.9
    # it walks forward along +x at a human pace, the pelvis at a standing height
    speed = (c.root_pos[-1, 0] - c.root_pos[0, 0]) / (c.duration - 0.02)
    assert 0.9 < speed < 1.8
    assert 0.85 < c.root_pos[:, 2].mean() < 1.1
    assert "NSF EIA-0196217" in c.license
    # the arms swing clear of the trunk and the thighs of the mesh H1 (mujoco 3.2+ measures it)
    import mujoco

    if hasattr(mujoco, "mj_geomDistance"):
        assert q["self_penetration_max"] == 0.0
    else:
        assert "self_penetration_max" not in q


def test_without_clearance_the_human_arm_swing_passes_through_the_thighs():
    cmu = Path(__file__).resolve().parents[3] / "shared" / "motion" / "cmu"
    if not cmu.is_dir():
        pytest.skip("../shared/motion/cmu is not present")
    import mujoco

    if not hasattr(mujoco, "mj_geomDistance"):
        pytest.skip("the clearance needs geom distances (mujoco 3.2 and later)")
    human = load_bvh(cmu / "07_01.bvh").frames(0, 120)
    raw = retarget(human, RetargetConfig(fps=50.0, clearance=None))
    cleared = retarget(human, RetargetConfig(fps=50.0))
    assert raw.meta["quality"]["self_penetration_max"] > 0.02
    assert cleared.meta["quality"]["self_penetration_max"] == 0.0
    # only the arms' abduction changes, outward (left +, right -)
    moved = np.flatnonzero(np.abs(cleared.joint_pos - raw.joint_pos).max(axis=0) > 1e-9)
    names = [H1.joint_names[j] for j in moved]
    assert set(names) <= {"left_shoulder_roll", "right_shoulder_roll"} and names
    left, right = H1.joint_names.index("left_shoulder_roll"), H1.joint_names.index("right_shoulder_roll")
    assert np.all(cleared.joint_pos[:, left] >= raw.joint_pos[:, left] - 1e-12)
    assert np.all(cleared.joint_pos[:, right] <= raw.joint_pos[:, right] + 1e-12)


# every prior scripts/build_priors.py ships: a missing one fails here instead of vanishing
@pytest.mark.parametrize("prior", ["carry/prior.npz", "reach/prior.npz", "run/prior.npz", "sit/prior.npz",
                                   "stand/prior.npz", "walk/prior.npz", "walk/prior_stride.npz"])
def test_bundled_priors_keep_the_arms_clear_of_the_body(prior):
    """Played kinematically on the mesh H1, no bundled prior puts an arm into the trunk or legs."""
    from mwx_sdk.motion.clip import Clip
    from mwx_sdk.motion.retarget import RobotKinematics

    clip = Clip.load(Path(__file__).resolve().parents[2] / "skills" / prior)
    kin = RobotKinematics(H1)
    if kin.self_penetration() is None:
        pytest.skip("this mujoco has no geom distances (3.2 and later do)")
    deepest = 0.0
    for q in clip.qpos:
        kin.set_qpos(q)
        deepest = max(deepest, kin.self_penetration())
    assert deepest < 1e-3, f"{prior}: an arm is {deepest:.3f} m inside the body"


def test_metrics_recomputed_from_the_clip_agree(walk_clip):
    m = clip_metrics(walk_clip)
    assert m["sliding_mean"] == pytest.approx(walk_clip.meta["quality"]["sliding_mean"])
    assert m["joint_limit_violation_max"] == 0.0


def test_foot_sliding_and_rms_error_on_hand_made_trajectories(walk_clip):
    t = np.arange(11)
    feet = np.zeros((11, 2, 3))
    feet[:, 0, 0] = 0.01 * t  # left foot slides 1 cm per frame while on the ground
    feet[:, 1, 2] = 0.5       # right foot up in the air
    s = foot_sliding(feet, dt=0.02)
    assert s["sliding_mean"] == pytest.approx(0.5)  # 0.01 m / 0.02 s
    assert s["sliding_distance"] == pytest.approx(0.05)  # 0.1 m over 2 feet
    ref = walk_clip.joint_pos
    assert rms_joint_error(ref, walk_clip, dt=0.02) == pytest.approx(0.0, abs=1e-9)
    assert rms_joint_error(ref + 0.1, walk_clip, dt=0.02) == pytest.approx(0.1)
    assert rms_joint_error(ref[::-1], walk_clip, mode="nearest") == pytest.approx(0.0, abs=1e-9)


def test_contact_labels_follow_the_ankles(walk_clip):
    cmu = Path(__file__).resolve().parents[3] / "shared" / "motion" / "cmu"
    h = load_bvh(cmu / "07_01.bvh").resample(50.0)
    c = contact_labels(h, height=0.06, speed=0.8)
    # a foot labelled in contact is low; a swinging foot is high
    for i, side in enumerate(("left", "right")):
        z = h[f"{side}_ankle"][:, 2]
        assert z[c[:, i]].mean() + 0.03 < z[~c[:, i]].mean()


def test_editing_helpers(walk_clip):
    from mwx_sdk.motion.editing import _pose_distance

    a, b, d = find_loop(walk_clip, min_duration=0.5)
    assert b - a >= 25 and d == pytest.approx(_pose_distance(walk_clip, a, b))
    rng = np.random.default_rng(0)
    for _ in range(20):  # no admissible pair matches better
        i = int(rng.integers(0, 24))
        j = int(rng.integers(i + 25, 50))
        assert d <= _pose_distance(walk_clip, i, j) + 1e-12
    loop = make_loop(walk_clip, a, b)
    assert loop.loop and loop.num_frames == b - a
    # wrapping around the seam is about as smooth as an ordinary step of the motion
    seam = np.abs(loop.joint_pos[0] - loop.joint_pos[-1]).max()
    steps = np.abs(np.diff(loop.joint_pos, axis=0)).max()
    assert seam <= 1.5 * steps
    still = still_clip(walk_clip, 0, 5, frames=10)
    assert still.loop and np.allclose(still.joint_pos, walk_clip.joint_pos[:5].mean(0))
    rev = reverse_clip(walk_clip)
    np.testing.assert_allclose(rev.joint_pos[0], walk_clip.joint_pos[-1])


def test_crouch_bends_the_knees_and_keeps_feet_grounded(walk_clip):
    cmu = Path(__file__).resolve().parents[3] / "shared" / "motion" / "cmu"
    human = load_bvh(cmu / "07_01.bvh").frames(0, 60)
    low = retarget(human, RetargetConfig(crouch=0.06))
    straight = walk_clip.slice(0, low.num_frames)
    assert low.root_pos[:, 2].mean() < straight.root_pos[:, 2].mean() - 0.03
    assert low.joint_pos[:, [3, 8]].mean() > straight.joint_pos[:, [3, 8]].mean() + 0.15
    assert low.meta["quality"]["stance_foot_gap_mean"] < 0.01
    assert low.meta["quality"]["foot_penetration_max"] < 1e-6


def test_config_validation():
    with pytest.raises(ValueError, match="unknown IK weight"):
        RetargetConfig(weights={"toes": 1.0})
    with pytest.raises(ValueError, match="fps"):
        RetargetConfig(fps=0)
    with pytest.raises(ValueError, match="crouch"):
        RetargetConfig(crouch=0.5)
    with pytest.raises(ValueError, match="robot"):
        RetargetConfig(robot="atlas")
