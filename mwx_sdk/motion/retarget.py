"""Retarget human keypoint motion to a robot clip with per-frame inverse kinematics (mink).

Pipeline (every step is a named function below):

1. resample the human motion to the output rate (50 Hz = the H1 control rate by default) and
   turn it so it starts at the origin facing +x;
2. label foot contacts from the human ankles (low above the clip's floor and slow);
3. build *robot-proportioned* keypoint targets: the pelvis moves like the human's, scaled by
   the ratio of leg lengths, and every limb keeps the human bone directions but the robot's
   bone lengths (so a wide-hipped, short-armed robot still puts its feet under itself);
4. ground the targets: a smooth vertical shift puts stance ankles at sole height, stance feet
   are locked in place (no sliding) and the correction is spread over the swing, no target
   goes below the sole height;
5. solve IK frame by frame with mink under the joint limits, warm-started from the previous
   frame (pelvis pose, ankles with flat soles, knees, hips, shoulders, elbows, hands, head);
6. smooth in time, clamp to the joint limits, lift any frame whose sole still penetrates the
   floor, and store the result as a :class:`~mwx_sdk.motion.clip.Clip` with quality figures.

mujoco and mink are imported inside the functions that need them.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .clip import Clip
from .human import KEYPOINTS, HumanMotion
from .robots import RobotMotionSpec, robot_model_path, robot_spec
from .rotations import quat_from_matrix, quat_normalize

__all__ = ["RetargetConfig", "RobotKinematics", "contact_labels", "gaussian_smooth", "retarget"]

_DEFAULT_WEIGHTS = {
    "pelvis_pos": 10.0, "pelvis_ori": 2.0,
    "ankle_pos": 20.0, "ankle_ori": 2.0,
    "knee": 2.0, "hip": 0.5, "shoulder": 0.5, "elbow": 1.0, "wrist": 2.0, "head": 0.5,
    "posture": 0.02,
}


@dataclass
class RetargetConfig:
    """Settings of :func:`retarget`.

    Args:
        robot: robot name (``"h1"``).
        fps: output frame rate; 50 Hz matches the H1 control period of 0.02 s.
        model_path: robot scene XML; by default :func:`~mwx_sdk.motion.robots.robot_model_path`.
        ik_iterations: mink solves per frame (warm-started from the previous frame).
        first_frame_iterations: solves for the first frame (starts from the keyframe).
        ik_damping: Levenberg-Marquardt damping of the QP.
        solver: qpsolvers backend used by mink.
        contact_height: a human ankle lower than this above the clip's floor may be in contact (m).
        contact_speed: ... and slower than this horizontally (m/s).
        min_contact_frames: contact or swing phases shorter than this are merged away.
        foot_lock: pin stance feet in place (removes sliding).
        smooth_sigma: Gaussian smoothing of the joint trajectories, in output frames (0: off).
        face_forward: turn the motion so it starts facing +x from the origin.
        crouch: lower the body this much (m) over grounded feet, bending the knees: human
            gaits are nearly straight-legged, a slightly crouched robot balances more easily.
        loop: mark the clip as loopable.
        weights: IK task costs, keys as in the default table (missing keys keep defaults).
        clearance: distance (m) kept between the arms' collision geoms and the trunk's and
            legs' (the robot's ``clearance_arms`` and ``clearance_body``), by turning each arm
            outward where the solved motion comes closer; ``None`` turns it off. A human arm
            swings closer to the body than the robot's thicker links allow: unchecked, the
            elbows pass through the thighs, and the simulated robot knocks itself over.
    """

    robot: str = "h1"
    fps: float = 50.0
    model_path: str | None = None
    ik_iterations: int = 4
    first_frame_iterations: int = 40
    ik_damping: float = 1e-3
    solver: str = "daqp"
    contact_height: float = 0.06
    contact_speed: float = 0.8
    min_contact_frames: int = 3
    foot_lock: bool = True
    smooth_sigma: float = 1.0
    face_forward: bool = True
    crouch: float = 0.0
    loop: bool = False
    weights: dict[str, float] = field(default_factory=dict)
    clearance: float | None = 0.015

    def __post_init__(self) -> None:
        if self.fps <= 0:
            raise ValueError(f"fps must be positive, got {self.fps}")
        if self.ik_iterations < 1 or self.first_frame_iterations < 1:
            raise ValueError("ik_iterations and first_frame_iterations must be >= 1")
        if self.contact_height <= 0 or self.contact_speed <= 0:
            raise ValueError("contact_height and contact_speed must be positive")
        if self.smooth_sigma < 0:
            raise ValueError("smooth_sigma must be >= 0")
        if not 0.0 <= self.crouch <= 0.3:
            raise ValueError(f"crouch must be within 0-0.3 m, got {self.crouch}")
        unknown = set(self.weights) - set(_DEFAULT_WEIGHTS)
        if unknown:
            raise ValueError(f"unknown IK weight(s) {sorted(unknown)}; known: {sorted(_DEFAULT_WEIGHTS)}")
        if any(v < 0 for v in self.weights.values()):
            raise ValueError("IK weights must be >= 0")
        if self.clearance is not None and not 0.0 <= self.clearance <= 0.1:
            raise ValueError(f"clearance must be within 0-0.1 m, got {self.clearance}; pass clearance=None to turn it off")
        self.weights = {**_DEFAULT_WEIGHTS, **self.weights}
        robot_spec(self.robot)


# -- signal helpers ------------------------------------------------------------------------
def gaussian_smooth(x: np.ndarray, sigma: float, loop: bool = False) -> np.ndarray:
    """Gaussian filter along axis 0 (edge-padded, or wrapped for looping signals)."""
    if sigma <= 0 or x.shape[0] < 3:
        return np.array(x, dtype=np.float64, copy=True)
    r = int(np.ceil(3 * sigma))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    k /= k.sum()
    pad = np.pad(x, [(r, r)] + [(0, 0)] * (x.ndim - 1), mode="wrap" if loop else "edge")
    out = np.zeros_like(x, dtype=np.float64)
    for i, w in enumerate(k):
        out += w * pad[i : i + x.shape[0]]
    return out


def _clean_runs(mask: np.ndarray, min_len: int) -> np.ndarray:
    """Remove True runs and fill False gaps shorter than ``min_len`` frames."""
    m = mask.copy()
    for value in (False, True):  # fill short gaps first, then drop short blips
        t = 0
        while t < len(m):
            s = t
            while t < len(m) and m[t] == m[s]:
                t += 1
            if m[s] == value and (t - s) < min_len and s > 0 and t < len(m):
                m[s:t] = not value
    return m


def contact_labels(human: HumanMotion, height: float, speed: float, min_frames: int = 3) -> np.ndarray:
    """Foot contact labels ``(T, 2)`` (left, right) from the human ankles.

    A foot is in contact when its ankle is less than ``height`` above the clip's floor level
    (a low percentile of the ankle heights) and moves slower than ``speed`` horizontally. The
    ankle, not the toe, decides: the robot's flat sole cannot roll onto its toes, so a heel-off
    push-off phase is treated as swing.
    """
    out = np.zeros((human.num_frames, 2), dtype=bool)
    floor = min(np.percentile(human["left_ankle"][:, 2], 5), np.percentile(human["right_ankle"][:, 2], 5))
    for i, side in enumerate(("left", "right")):
        a = human[f"{side}_ankle"]
        v = np.gradient(a[:, :2], 1.0 / human.fps, axis=0)
        low = (a[:, 2] - floor) < height
        slow = np.linalg.norm(v, axis=1) < speed
        out[:, i] = _clean_runs(low & slow, min_frames)
    return out


def _face_forward(pos: np.ndarray) -> np.ndarray:
    """Rotate about z and translate so frame 0 has the pelvis at the origin facing +x."""
    lhip, rhip = KEYPOINTS.index("left_hip"), KEYPOINTS.index("right_hip")
    left = pos[0, lhip] - pos[0, rhip]
    fwd = np.cross(np.array([left[0], left[1], 0.0]), [0.0, 0.0, 1.0])
    yaw = np.arctan2(fwd[1], fwd[0])
    c, s = np.cos(-yaw), np.sin(-yaw)
    rz = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1.0]])
    out = pos @ rz.T
    out[..., :2] -= out[0, KEYPOINTS.index("pelvis"), :2]
    return out


def _frame_from_axes(left: np.ndarray, up: np.ndarray) -> np.ndarray:
    """Rotation matrices ``(T, 3, 3)`` with y along ``left`` and z as close to ``up`` as possible."""
    y = left / np.linalg.norm(left, axis=-1, keepdims=True)
    z = up - np.sum(up * y, axis=-1, keepdims=True) * y
    z /= np.linalg.norm(z, axis=-1, keepdims=True)
    x = np.cross(y, z)
    return np.stack([x, y, z], axis=-1)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-9)


# -- robot side ----------------------------------------------------------------------------
class RobotKinematics:
    """The robot's MuJoCo model with helpers for keypoints, bone lengths and sole height."""

    def __init__(self, spec: RobotMotionSpec, model_path: str | Path | None = None) -> None:
        import mujoco

        self.spec = spec
        self.path = Path(model_path) if model_path else robot_model_path(spec.name)
        self.model = mujoco.MjModel.from_xml_path(str(self.path))
        self.data = mujoco.MjData(self.model)
        self.mj = mujoco
        m = self.model
        self.joint_qpos = np.array([m.jnt_qposadr[m.joint(n).id] for n in spec.joint_names])
        self.joint_range = np.array([m.jnt_range[m.joint(n).id] for n in spec.joint_names])
        self.frame_names = list(spec.keypoint_frames) + ["left_foot", "right_foot"]
        self._frames = [*spec.keypoint_frames.values(), (spec.foot_sites[0], "site"), (spec.foot_sites[1], "site")]
        self._pairs: dict[tuple[str, ...], list[tuple[int, int]]] = {}
        self._foot_meshes = [self._collision_verts(b) for b in spec.feet]
        q0 = np.zeros(m.nq)
        q0[3] = 1.0
        self.zero_keypoints = self.keypoints(q0)

    def _collision_verts(self, body: str) -> list[tuple[int, np.ndarray]]:
        m = self.model
        out = []
        corners = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], dtype=np.float64)
        for g in self.collision_geoms(body):
            if m.geom_type[g] == self.mj.mjtGeom.mjGEOM_MESH:
                mid = m.geom_dataid[g]
                a, n = m.mesh_vertadr[mid], m.mesh_vertnum[mid]
                out.append((g, m.mesh_vert[a : a + n].astype(np.float64)))
            elif m.geom_type[g] == self.mj.mjtGeom.mjGEOM_BOX:
                out.append((g, corners * m.geom_size[g]))
        return out

    def collision_geoms(self, body: str) -> list[int]:
        """Ids of the collision geoms attached to ``body``."""
        m = self.model
        bid = m.body(body).id
        return [g for g in range(m.ngeom) if m.geom_bodyid[g] == bid and (m.geom_contype[g] or m.geom_conaffinity[g])]

    def distance(self, ga: list[int], gb: list[int], cutoff: float) -> float:
        """Smallest signed distance (m) between geoms ``ga`` and ``gb`` (``cutoff`` if farther)."""
        fromto = np.zeros(6)
        return min(float(self.mj.mj_geomDistance(self.model, self.data, g1, g2, cutoff, fromto))
                   for g1 in ga for g2 in gb)

    def _arm_pairs(self, bodies: tuple[str, ...]) -> list[tuple[int, int]]:
        # the geom pairs are fixed by the model: computed once per arm, read for every frame
        pairs = self._pairs.get(bodies)
        if pairs is None:
            body = [g for name in self.spec.clearance_body for g in self.collision_geoms(name)]
            pairs = self._pairs[bodies] = [(g1, g2) for name in bodies for g1 in self.collision_geoms(name)
                                           for g2 in body]
        return pairs

    def arm_clearance(self, qpos: np.ndarray, clearance: float) -> list[tuple[int, float, list[tuple[int, int]], np.ndarray]]:
        """Per arm of ``spec.clearance_arms``: (qpos index of its abduction joint, the direction
        that opens it, its geom pairs with the body, the distance each pair must keep). That
        distance is ``clearance``, or half the pair's gap in the standing pose ``qpos`` where
        that is smaller (a shoulder sits against the torso by construction)."""
        self.set_qpos(qpos)
        out = []
        for joint, sign, bodies in self.spec.clearance_arms:
            pairs = self._arm_pairs(bodies)
            gaps = np.array([self.distance([g1], [g2], 1.0) for g1, g2 in pairs])
            out.append((int(self.model.jnt_qposadr[self.model.joint(joint).id]), float(sign), pairs,
                        np.minimum(clearance, np.maximum(0.0, 0.5 * gaps))))
        return out

    def arm_violation(self, pairs: list[tuple[int, int]], margins: np.ndarray) -> float:
        """How far (m) the arm's closest pair is inside its margin in the current state (<= 0: clear)."""
        return max(float(m - self.distance([g1], [g2], 0.1)) for (g1, g2), m in zip(pairs, margins))

    def self_penetration(self) -> float | None:
        """Deepest overlap (m, >= 0) of an arm of ``spec.clearance_arms`` with the body in the
        current state (``None`` on mujoco versions without geom distances)."""
        if not hasattr(self.mj, "mj_geomDistance"):
            return None
        deepest = 0.0
        for _joint, _sign, bodies in self.spec.clearance_arms:
            for g1, g2 in self._arm_pairs(bodies):
                deepest = max(deepest, -self.distance([g1], [g2], 0.05))
        return deepest

    def set_qpos(self, qpos: np.ndarray) -> None:
        self.data.qpos[:] = qpos
        self.mj.mj_kinematics(self.model, self.data)

    def keypoints(self, qpos: np.ndarray) -> np.ndarray:
        """``(K, 3)`` world positions of the keypoint frames plus the two foot sites."""
        self.set_qpos(qpos)
        return np.array(
            [self.data.body(n).xpos.copy() if t == "body" else self.data.site(n).xpos.copy() for n, t in self._frames]
        )

    def sole_min_z(self) -> float:
        """Lowest foot collision point in the current state (call after :meth:`set_qpos`)."""
        low = np.inf
        for meshes in self._foot_meshes:
            for g, verts in meshes:
                r = self.data.geom_xmat[g].reshape(3, 3)
                low = min(low, float((verts @ r[2] + self.data.geom_xpos[g][2]).min()))
        if not np.isfinite(low):  # no foot mesh: fall back to the ankle origin
            low = min(self.data.body(b).xpos[2] for b in self.spec.feet) - self.spec.sole_height
        return low

    def offset(self, name: str) -> np.ndarray:
        """Keypoint position in the root frame at the zero configuration."""
        return self.zero_keypoints[self.frame_names.index(name)] - self.zero_keypoints[0]

    def length(self, a: str, b: str) -> float:
        return float(np.linalg.norm(self.offset(b) - self.offset(a)))


def robot_targets(human: HumanMotion, kin: RobotKinematics) -> tuple[dict[str, np.ndarray], np.ndarray, float]:
    """Robot-proportioned keypoint targets from human keypoints.

    Returns:
        ``targets`` (keypoint -> ``(T, 3)``), pelvis orientations ``(T, 3, 3)`` and the scale.
    """
    h = {k: human[k] for k in KEYPOINTS}
    human_leg = np.median(
        np.linalg.norm(h["left_knee"] - h["left_hip"], axis=1) + np.linalg.norm(h["left_ankle"] - h["left_knee"], axis=1)
    )
    robot_leg = kin.length("left_hip", "left_knee") + kin.length("left_knee", "left_ankle")
    scale = float(robot_leg / human_leg)
    up = h["chest"] - h["pelvis"]
    r_pelvis = _frame_from_axes(h["left_hip"] - h["right_hip"], up)
    r_chest = _frame_from_axes(h["left_shoulder"] - h["right_shoulder"], h["neck"] - h["chest"])
    p = h["pelvis"] * scale
    t: dict[str, np.ndarray] = {"pelvis": p}
    for side in ("left", "right"):
        hip = p + np.einsum("tij,j->ti", r_pelvis, kin.offset(f"{side}_hip"))
        knee = hip + kin.length(f"{side}_hip", f"{side}_knee") * _unit(h[f"{side}_knee"] - h[f"{side}_hip"])
        ankle = knee + kin.length(f"{side}_knee", f"{side}_ankle") * _unit(h[f"{side}_ankle"] - h[f"{side}_knee"])
        sh = p + np.einsum("tij,j->ti", r_chest, kin.offset(f"{side}_shoulder"))
        el = sh + kin.length(f"{side}_shoulder", f"{side}_elbow") * _unit(h[f"{side}_elbow"] - h[f"{side}_shoulder"])
        wr = el + kin.length(f"{side}_elbow", f"{side}_wrist") * _unit(h[f"{side}_wrist"] - h[f"{side}_elbow"])
        t.update({f"{side}_hip": hip, f"{side}_knee": knee, f"{side}_ankle": ankle,
                  f"{side}_shoulder": sh, f"{side}_elbow": el, f"{side}_wrist": wr})
    t["head"] = p + np.einsum("tij,j->ti", r_chest, kin.offset("head"))
    return t, r_pelvis, scale


def crouch_targets(
    targets: dict[str, np.ndarray], r_pelvis: np.ndarray, depth: float, thigh: float, shin: float
) -> dict[str, np.ndarray]:
    """Lower everything above the knees by ``depth`` and move the knees forward to match.

    With the ankles fixed, lowering the hip by ``depth`` bends a leg of segments ``thigh`` and
    ``shin`` so that the knee moves forward by about ``thigh * sin(phi)``, where
    ``cos(phi) = (thigh + shin - depth) / (thigh + shin)``.
    """
    if depth <= 0:
        return targets
    out = dict(targets)
    down = np.array([0.0, 0.0, depth])
    for k in ("pelvis", "left_hip", "right_hip", "left_shoulder", "right_shoulder", "left_elbow",
              "right_elbow", "left_wrist", "right_wrist", "head"):
        if k in out:
            out[k] = out[k] - down
    phi = np.arccos(np.clip((thigh + shin - depth) / (thigh + shin), -1.0, 1.0))
    fwd = r_pelvis[:, :, 0].copy()
    fwd[:, 2] = 0.0
    fwd /= np.maximum(np.linalg.norm(fwd, axis=1, keepdims=True), 1e-9)
    for side in ("left", "right"):
        out[f"{side}_knee"] = out[f"{side}_knee"] - 0.5 * down + thigh * np.sin(phi) * fwd
    return out


def ground_targets(
    targets: dict[str, np.ndarray], contacts: np.ndarray, sole_height: float, foot_lock: bool, fps: float
) -> dict[str, np.ndarray]:
    """Shift targets so stance ankles sit at ``sole_height``; lock stance feet in place."""
    n = targets["pelvis"].shape[0]
    ankles = np.stack([targets["left_ankle"], targets["right_ankle"]], axis=1)
    frames = np.arange(n)
    any_c = contacts.any(axis=1)
    dz = np.full(n, np.nan)
    for t in np.flatnonzero(any_c):
        dz[t] = sole_height - ankles[t, contacts[t], 2].min()
    if np.all(np.isnan(dz)):
        dz[:] = sole_height - ankles[..., 2].min()
    else:
        ok = ~np.isnan(dz)
        dz = np.interp(frames, frames[ok], dz[ok])
    dz = gaussian_smooth(dz, sigma=0.06 * fps)
    out = {k: v + np.array([0.0, 0.0, 1.0]) * dz[:, None] for k, v in targets.items()}
    for i, side in enumerate(("left", "right")):
        a = out[f"{side}_ankle"].copy()
        c = contacts[:, i]
        if foot_lock and c.any():
            delta = np.full((n, 3), np.nan)
            t = 0
            while t < n:
                if not c[t]:
                    t += 1
                    continue
                s = t
                while t < n and c[t]:
                    t += 1
                anchor = a[s:t, :2].mean(axis=0)
                delta[s:t, :2] = anchor - a[s:t, :2]
                delta[s:t, 2] = sole_height - a[s:t, 2]
            ok = ~np.isnan(delta[:, 0])
            for k in range(3):
                delta[:, k] = np.interp(frames, frames[ok], delta[ok, k])
            swing = ~c
            # a swing foot only inherits the vertical correction while it is near the floor
            delta[swing, 2] = np.minimum(delta[swing, 2], np.maximum(0.0, sole_height - a[swing, 2]))
            a = a + delta
        a[:, 2] = np.maximum(a[:, 2], sole_height)
        out[f"{side}_ankle"] = a
    return out


# -- IK ------------------------------------------------------------------------------------
def _solve_ik(
    kin: RobotKinematics, targets: dict[str, np.ndarray], r_pelvis: np.ndarray, cfg: RetargetConfig
) -> np.ndarray:
    import mink

    w = cfg.weights
    model = kin.model
    conf = mink.Configuration(model)
    q = np.zeros(model.nq)
    if kin.spec.keyframe_qpos and len(kin.spec.keyframe_qpos) == model.nq:
        q[:] = kin.spec.keyframe_qpos
    else:
        q[3] = 1.0
    names = kin.spec.keypoint_frames
    tasks: dict[str, Any] = {}
    tasks["pelvis"] = mink.FrameTask(names["pelvis"][0], names["pelvis"][1], w["pelvis_pos"], w["pelvis_ori"])
    for side in ("left", "right"):
        tasks[f"{side}_ankle"] = mink.FrameTask(*names[f"{side}_ankle"], w["ankle_pos"], w["ankle_ori"])
        for part, key in (("knee", "knee"), ("hip", "hip"), ("shoulder", "shoulder"), ("elbow", "elbow"), ("wrist", "wrist")):
            if w[key] > 0:
                tasks[f"{side}_{part}"] = mink.FrameTask(*names[f"{side}_{part}"], w[key], 0.0)
    if w["head"] > 0:
        tasks["head"] = mink.FrameTask(*names["head"], w["head"], 0.0)
    posture = mink.PostureTask(model, cost=w["posture"])
    posture.set_target(q.copy())
    limits = [mink.ConfigurationLimit(model)]
    task_list = [*tasks.values(), posture]
    n = targets["pelvis"].shape[0]
    out = np.zeros((n, model.nq))
    q[:3] = targets["pelvis"][0]
    q[3:7] = quat_from_matrix(r_pelvis[0])
    conf.update(q)
    yaw = np.arctan2(r_pelvis[:, 1, 0], r_pelvis[:, 0, 0])
    for t in range(n):
        for key, task in tasks.items():
            if key == "pelvis":
                rot = mink.SO3.from_matrix(r_pelvis[t])
            elif key.endswith("_ankle"):
                rot = mink.SO3.from_z_radians(float(yaw[t]))  # flat sole, pointing along the pelvis
            else:
                rot = mink.SO3.identity()
            task.set_target(mink.SE3.from_rotation_and_translation(rot, targets[key][t]))
        for _ in range(cfg.first_frame_iterations if t == 0 else cfg.ik_iterations):
            vel = mink.solve_ik(conf, task_list, 1.0, cfg.solver, damping=cfg.ik_damping, limits=limits)
            conf.integrate_inplace(vel, 1.0)
        out[t] = conf.q
    return out


def _clear_arms(kin: RobotKinematics, qpos: np.ndarray, cfg: RetargetConfig) -> np.ndarray:
    """Turn each arm outward (its abduction joint) just enough to keep it ``cfg.clearance``
    from the trunk and legs in every frame; the added abduction is smoothed over time, never
    below what a frame needs."""
    if cfg.clearance is None or not kin.spec.clearance_arms:
        return qpos
    if not hasattr(kin.mj, "mj_geomDistance"):
        warnings.warn(f"mujoco {kin.mj.__version__} has no geom distances (3.2 and later do): retargeting "
                      "without arm clearance, so the arms may pass through the body", stacklevel=3)
        return qpos
    stand = np.array(kin.spec.keyframe_qpos, dtype=np.float64) if kin.spec.keyframe_qpos else qpos[0]
    out = qpos.copy()
    step = 0.01
    for adr, sign, pairs, margins in kin.arm_clearance(stand, float(cfg.clearance)):
        j = int(np.flatnonzero(kin.joint_qpos == adr)[0])
        lo, hi = kin.joint_range[j]
        need = np.zeros(len(out))
        for t in range(len(out)):
            q = out[t].copy()
            while True:
                kin.set_qpos(q)
                if kin.arm_violation(pairs, margins) <= 0:
                    break
                nxt = float(np.clip(q[adr] + sign * step, lo, hi))
                if nxt == q[adr]:
                    break
                q[adr] = nxt
            need[t] = abs(q[adr] - out[t, adr])
        # widen each opening over the neighbouring frames, then smooth, so the arm moves out
        # and back gradually; the max keeps every frame at least as open as it needs
        k = 3
        idx = np.arange(len(need))
        wide = np.array([need[(idx[i] + np.arange(-k, k + 1)) % len(need)].max() if cfg.loop
                         else need[max(0, i - k): i + k + 1].max() for i in idx])
        delta = np.maximum(gaussian_smooth(wide, 2.0, cfg.loop), need)
        out[:, adr] = np.clip(out[:, adr] + sign * delta, lo, hi)
    return out


def _smooth_qpos(qpos: np.ndarray, sigma: float, loop: bool) -> np.ndarray:
    out = gaussian_smooth(qpos, sigma, loop)
    quat = qpos[:, 3:7].copy()
    for t in range(1, len(quat)):  # keep quaternion signs continuous before averaging
        if np.dot(quat[t], quat[t - 1]) < 0:
            quat[t] *= -1
    out[:, 3:7] = quat_normalize(gaussian_smooth(quat, sigma, loop))
    return out


def retarget(
    human: HumanMotion, config: RetargetConfig | None = None, segments: dict[str, tuple[int, int]] | None = None
) -> Clip:
    """Retarget ``human`` to the robot of ``config``.

    Args:
        human: human keypoints (from :func:`~mwx_sdk.motion.bvh.load_bvh` or
            :func:`~mwx_sdk.motion.amass.load_amass`).
        config: settings; defaults to the H1 at 50 Hz.
        segments: named frame ranges, in output frames, to store in the clip.

    Returns:
        The robot clip, with quality figures in ``clip.meta["quality"]``.
    """
    from .quality import clip_metrics

    cfg = config or RetargetConfig()
    spec = robot_spec(cfg.robot)
    kin = RobotKinematics(spec, cfg.model_path)
    h = human.resample(cfg.fps) if abs(human.fps - cfg.fps) > 1e-6 else human
    if cfg.face_forward:
        h = HumanMotion(_face_forward(h.positions), h.fps, h.source, h.license, h.meta)
    contacts = contact_labels(h, cfg.contact_height, cfg.contact_speed, cfg.min_contact_frames)
    raw_targets, r_pelvis, scale = robot_targets(h, kin)
    targets = ground_targets(raw_targets, contacts, spec.sole_height, cfg.foot_lock, cfg.fps)
    targets = crouch_targets(targets, r_pelvis, cfg.crouch, kin.length("left_hip", "left_knee"),
                             kin.length("left_knee", "left_ankle"))
    qpos = _solve_ik(kin, targets, r_pelvis, cfg)
    qpos = _smooth_qpos(qpos, cfg.smooth_sigma, cfg.loop)
    jq = kin.joint_qpos
    qpos[:, jq] = np.clip(qpos[:, jq], kin.joint_range[:, 0], kin.joint_range[:, 1])
    qpos = _clear_arms(kin, qpos, cfg)
    keypoints = np.zeros((len(qpos), len(kin.frame_names), 3))
    for t in range(len(qpos)):
        kin.set_qpos(qpos[t])
        pen = -kin.sole_min_z()
        if pen > 0:
            qpos[t, 2] += pen
        keypoints[t] = kin.keypoints(qpos[t])
    clip = Clip(
        robot=spec.name,
        joint_names=spec.joint_names,
        fps=cfg.fps,
        root_pos=qpos[:, :3],
        root_quat=qpos[:, 3:7],
        joint_pos=qpos[:, jq],
        contacts=contacts,
        loop=cfg.loop,
        segments=segments or {},
        joint_range=kin.joint_range,
        keypoint_names=tuple(kin.frame_names),
        keypoints=keypoints,
        source=human.source,
        license=human.license,
        meta={
            "retarget": {k: v for k, v in asdict(cfg).items() if k != "model_path"},
            "scale": scale,
            "human": {k: v for k, v in human.meta.items() if isinstance(v, (int, float, str, bool, list))},
        },
    )
    tgt = {k: v for k, v in targets.items()}
    clip.meta["quality"] = clip_metrics(clip, targets=tgt, kinematics=kin)
    return clip
