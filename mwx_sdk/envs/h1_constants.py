"""Unitree H1 constants: names, ordering, keyframes and control ranges of the bundled model.

Everything here is plain Python (tuples and dicts, no numpy, no mujoco) so any module can
import it cheaply. The values agree with ``assets/h1/h1.xml`` and with the HumanoidBench
``h1`` robot; ``tests/envs/test_h1_model.py`` checks both.
"""

from __future__ import annotations

ROBOT = "h1"

#: Name of the free joint at the pelvis.
ROOT_JOINT = "free_base"
#: Body carrying the free joint (body 1 in every scene).
ROOT_BODY = "pelvis"

#: Hinge joints in qpos order (after the 7 root values).
JOINT_NAMES: tuple[str, ...] = (
    "left_hip_yaw",
    "left_hip_roll",
    "left_hip_pitch",
    "left_knee",
    "left_ankle",
    "right_hip_yaw",
    "right_hip_roll",
    "right_hip_pitch",
    "right_knee",
    "right_ankle",
    "torso",
    "left_shoulder_pitch",
    "left_shoulder_roll",
    "left_shoulder_yaw",
    "left_elbow",
    "right_shoulder_pitch",
    "right_shoulder_roll",
    "right_shoulder_yaw",
    "right_elbow",
)

#: Position actuators in ctrl order; each drives the joint of the same name.
ACTUATOR_NAMES: tuple[str, ...] = JOINT_NAMES

#: Control range (lo, hi) in radians per actuator, in ``ACTUATOR_NAMES`` order.
CTRL_RANGE: tuple[tuple[float, float], ...] = (
    (-0.43, 0.43),
    (-0.43, 0.43),
    (-3.14, 2.53),
    (-0.26, 2.05),
    (-0.87, 0.52),
    (-0.43, 0.43),
    (-0.43, 0.43),
    (-3.14, 2.53),
    (-0.26, 2.05),
    (-0.87, 0.52),
    (-2.35, 2.35),
    (-2.87, 2.87),
    (-0.34, 3.11),
    (-1.3, 4.45),
    (-1.25, 2.61),
    (-2.87, 2.87),
    (-3.11, 0.34),
    (-4.45, 1.3),
    (-1.25, 2.61),
)

#: Joint limits equal the control ranges for this robot.
JOINT_RANGE: tuple[tuple[float, float], ...] = CTRL_RANGE

#: Position gain kp, damping gain kv and force limit (N m) per actuator.
ACTUATOR_KP: tuple[float, ...] = (200, 200, 200, 300, 40, 200, 200, 200, 300, 40, 300, 100, 100, 100, 100, 100, 100, 100, 100)
ACTUATOR_KV: tuple[float, ...] = (5, 5, 5, 6, 2, 5, 5, 5, 6, 2, 6, 2, 2, 2, 2, 2, 2, 2, 2)
FORCE_LIMIT: tuple[float, ...] = (200, 200, 200, 300, 40, 200, 200, 200, 300, 40, 200, 40, 40, 18, 18, 40, 40, 18, 18)

#: Bodies in model order (index 0 is the world).
BODY_NAMES: tuple[str, ...] = (
    "world",
    "pelvis",
    "left_hip_yaw_link",
    "left_hip_roll_link",
    "left_hip_pitch_link",
    "left_knee_link",
    "left_ankle_link",
    "right_hip_yaw_link",
    "right_hip_roll_link",
    "right_hip_pitch_link",
    "right_knee_link",
    "right_ankle_link",
    "torso_link",
    "left_shoulder_pitch_link",
    "left_shoulder_roll_link",
    "left_shoulder_yaw_link",
    "left_elbow_link",
    "left_hand",
    "right_shoulder_pitch_link",
    "right_shoulder_roll_link",
    "right_shoulder_yaw_link",
    "right_elbow_link",
    "right_hand",
)

#: Link masses in kg (massless marker bodies ``left_hand``/``right_hand`` omitted).
LINK_MASS: dict[str, float] = {
    "pelvis": 5.39,
    "left_hip_yaw_link": 2.244,
    "left_hip_roll_link": 2.232,
    "left_hip_pitch_link": 4.152,
    "left_knee_link": 1.721,
    "left_ankle_link": 0.552448,
    "right_hip_yaw_link": 2.244,
    "right_hip_roll_link": 2.232,
    "right_hip_pitch_link": 4.152,
    "right_knee_link": 1.721,
    "right_ankle_link": 0.552448,
    "torso_link": 17.789,
    "left_shoulder_pitch_link": 1.033,
    "left_shoulder_roll_link": 0.793,
    "left_shoulder_yaw_link": 0.839,
    "left_elbow_link": 0.669,
    "right_shoulder_pitch_link": 1.033,
    "right_shoulder_roll_link": 0.793,
    "right_shoulder_yaw_link": 0.839,
    "right_elbow_link": 0.669,
}
TOTAL_MASS = 51.649896

#: Sites with their parent body and local position.
SITES: dict[str, tuple[str, tuple[float, float, float]]] = {
    "com": ("pelvis", (0.0, 0.0, 0.0)),
    "left_foot": ("left_ankle_link", (0.0, 0.0, -0.05)),
    "right_foot": ("right_ankle_link", (0.0, 0.0, -0.05)),
    "left_eye": ("torso_link", (0.1, 0.03, 0.65)),
    "right_eye": ("torso_link", (0.1, -0.03, 0.65)),
    "head": ("torso_link", (0.0, 0.0, 0.7)),
    "imu": ("torso_link", (-0.04452, -0.01891, 0.27756)),
    "left_hand": ("left_elbow_link", (0.31, 0.0, -0.01)),
    "right_hand": ("right_elbow_link", (0.31, 0.0, -0.01)),
}
SITE_NAMES: tuple[str, ...] = tuple(SITES)

#: Sensors in model order with their output dimension.
SENSORS: dict[str, int] = {
    "left_foot_sensor": 1,
    "right_foot_sensor": 1,
    "pelvis_subtreelinvel": 3,
    "left_hand_subtreelinvel": 3,
    "right_hand_subtreelinvel": 3,
    "body_velocimeter": 3,
}
SENSOR_NAMES: tuple[str, ...] = tuple(SENSORS)

#: Cameras in model order; ``cam_default`` and the other ``cam_*`` cameras on the pelvis track
#: the centre of mass, the eye cameras are fixed to the torso.
CAMERA_NAMES: tuple[str, ...] = (
    "cam_kitchen",
    "cam_default",
    "cam_maze",
    "cam_tabletop",
    "cam_hurdle",
    "cam_basketball",
    "cam_hand_visible",
    "cam_inhand",
    "left_eye_camera",
    "right_eye_camera",
)
TRACKING_CAMERA = "cam_default"

#: Sizes of the robot alone (objects of a task scene come after these in qpos/qvel).
NQ = 26
NV = 25
NU = 19
N_JOINTS = len(JOINT_NAMES)

#: Standing pose of the hinge joints (legs slightly bent, arms down).
STAND_JOINTS: tuple[float, ...] = (0.0, 0.0, -0.4, 0.8, -0.4) * 2 + (0.0,) * 9
#: Root pose at the keyframe: position then quaternion (w, x, y, z).
ROOT_POSE0: tuple[float, ...] = (0.0, 0.0, 0.98, 1.0, 0.0, 0.0, 0.0)
#: Robot part of keyframe ``qpos0`` (26 values); tasks append their objects' state.
QPOS0: tuple[float, ...] = ROOT_POSE0 + STAND_JOINTS
#: Keyframe ``stand``: the same pose with the actuators holding it (ctrl = joint targets).
STAND_QPOS: tuple[float, ...] = QPOS0
STAND_CTRL: tuple[float, ...] = STAND_JOINTS

def task_qpos0(task: str) -> tuple[float, ...]:
    """Return the full keyframe ``qpos0`` of a task scene (:meth:`mwx_sdk.task.Task.qpos0`).

    Args:
        task: Task name or id.

    Returns:
        Robot values followed by the task objects' values.

    Raises:
        ValueError: If the task is unknown; the message lists the valid tasks.
    """
    from mwx_sdk.task import get_task

    return get_task(task).qpos0()
