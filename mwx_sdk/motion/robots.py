"""What retargeting needs to know about a robot: its model file, keypoint frames and feet.

Only the H1 is described today. The model file is the project's own H1 scene when
``mwx_sdk.envs`` provides it, otherwise HumanoidBench's reference model beside the repository
(``../shared/reference/humanoid_bench``) or the file named by ``MWX_H1_XML``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["H1", "RobotMotionSpec", "robot_model_path", "robot_spec"]


@dataclass(frozen=True)
class RobotMotionSpec:
    """Retargeting description of a robot.

    Args:
        name: robot name.
        joint_names: actuated joints in actuator order (qpos after the 7 root values).
        keypoint_frames: human keypoint -> (frame name, frame type "body" or "site").
        feet: (left, right) frame names of the ankle bodies that carry the soles.
        foot_sites: (left, right) sites under the ankles, used for contact and sliding metrics.
        sole_height: height of the ankle body origin above the ground when the sole is flat.
        root_body: the floating-base body.
        keyframe_qpos: a standing configuration (root + joints).
        clearance_arms: per arm, ``(abduction joint, direction that opens it, arm bodies)``:
            retargeting turns the joint outward where the arm's collision geoms come closer to
            ``clearance_body`` than allowed. A human arm swings closer to the body than a
            robot's thicker links allow.
        clearance_body: the bodies (trunk and legs) the arms keep clear of.
    """

    name: str
    joint_names: tuple[str, ...]
    keypoint_frames: dict[str, tuple[str, str]]
    feet: tuple[str, str]
    foot_sites: tuple[str, str]
    sole_height: float
    root_body: str
    keyframe_qpos: tuple[float, ...] = field(default=())
    clearance_arms: tuple[tuple[str, float, tuple[str, ...]], ...] = field(default=())
    clearance_body: tuple[str, ...] = field(default=())


H1 = RobotMotionSpec(
    name="h1",
    joint_names=(
        "left_hip_yaw", "left_hip_roll", "left_hip_pitch", "left_knee", "left_ankle",
        "right_hip_yaw", "right_hip_roll", "right_hip_pitch", "right_knee", "right_ankle",
        "torso",
        "left_shoulder_pitch", "left_shoulder_roll", "left_shoulder_yaw", "left_elbow",
        "right_shoulder_pitch", "right_shoulder_roll", "right_shoulder_yaw", "right_elbow",
    ),
    keypoint_frames={
        "pelvis": ("pelvis", "body"),
        "left_hip": ("left_hip_pitch_link", "body"),
        "left_knee": ("left_knee_link", "body"),
        "left_ankle": ("left_ankle_link", "body"),
        "right_hip": ("right_hip_pitch_link", "body"),
        "right_knee": ("right_knee_link", "body"),
        "right_ankle": ("right_ankle_link", "body"),
        "left_shoulder": ("left_shoulder_pitch_link", "body"),
        "left_elbow": ("left_elbow_link", "body"),
        "left_wrist": ("left_hand", "site"),
        "right_shoulder": ("right_shoulder_pitch_link", "body"),
        "right_elbow": ("right_elbow_link", "body"),
        "right_wrist": ("right_hand", "site"),
        "head": ("head", "site"),
    },
    feet=("left_ankle_link", "right_ankle_link"),
    foot_sites=("left_foot", "right_foot"),
    # the ankle collision mesh reaches 0.07 m below the ankle body origin
    sole_height=0.07,
    root_body="pelvis",
    keyframe_qpos=(0, 0, 0.98, 1, 0, 0, 0, 0, 0, -0.4, 0.8, -0.4, 0, 0, -0.4, 0.8, -0.4, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    clearance_arms=tuple(
        (f"{side}_shoulder_roll", sign, (f"{side}_shoulder_roll_link", f"{side}_shoulder_yaw_link", f"{side}_elbow_link"))
        for side, sign in (("left", 1.0), ("right", -1.0))
    ),
    clearance_body=("torso_link", "pelvis", *(f"{side}_{link}_link" for side in ("left", "right")
                                              for link in ("hip_yaw", "hip_roll", "hip_pitch", "knee"))),
)

_ROBOTS = {"h1": H1}


def robot_spec(robot: str) -> RobotMotionSpec:
    """The retargeting description of ``robot``."""
    try:
        return _ROBOTS[robot.lower()]
    except KeyError:
        raise ValueError(f"no motion description for robot {robot!r}; known: {sorted(_ROBOTS)}") from None


def _reference_h1() -> Path | None:
    here = Path(__file__).resolve()
    for root in [Path.cwd(), *here.parents]:
        cand = root.parent / "shared" / "reference" / "humanoid_bench" / "assets" / "envs" / "h1_pos_stand.xml"
        if cand.is_file():
            return cand
    return None


def robot_model_path(robot: str = "h1") -> Path:
    """Path of a MuJoCo scene (robot on a floor) used for retargeting and replay.

    The project's scene is its mesh H1 (HumanoidBench's collision hulls), so that the
    clearance retargeting keeps between the links holds on the robot users simulate.

    Args:
        robot: robot name.

    Returns:
        The XML path.

    Raises:
        FileNotFoundError: no model could be found; the message says how to provide one.
    """
    robot_spec(robot)
    env_path = os.environ.get("MWX_H1_XML")
    if env_path:
        p = Path(env_path)
        if not p.is_file():
            raise FileNotFoundError(f"MWX_H1_XML={env_path} does not exist")
        return p
    try:
        from mwx_sdk.envs.assets import scene_path  # the project's own H1 scene, when installed

        p = Path(scene_path("stand", variant="mesh"))
        if p.is_file():
            return p
    except ImportError:
        pass
    ref = _reference_h1()
    if ref is not None:
        return ref
    raise FileNotFoundError(
        "no H1 model found: install mwx-sdk with its envs assets, or set MWX_H1_XML to an H1 scene XML"
    )
