"""Quality and naturalness figures for retargeted clips and recorded robot trajectories.

- :func:`clip_metrics`: joint-limit violations, foot penetration, foot sliding during contact,
  keypoint error against the retargeting targets (``mwx motion info`` shows them).
- :func:`rms_joint_error`: RMS joint-angle distance between a recorded trajectory and a prior
  (time-aligned by phase, or to the nearest prior pose).
- :func:`foot_sliding`: horizontal foot speed while a foot is on the ground.

The last two take plain arrays so evaluation code can use them on any rollout.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .clip import Clip

__all__ = ["clip_metrics", "foot_sliding", "joint_limit_violation", "rms_joint_error"]


def joint_limit_violation(joint_pos: np.ndarray, joint_range: np.ndarray) -> dict[str, float]:
    """Largest excursion beyond the limits (rad) and the fraction of frames with any excursion."""
    lo = joint_range[:, 0] - joint_pos
    hi = joint_pos - joint_range[:, 1]
    over = np.maximum(np.maximum(lo, hi), 0.0)
    return {
        "joint_limit_violation_max": float(over.max()) if over.size else 0.0,
        "joint_limit_violation_frames": float(np.mean(np.any(over > 1e-6, axis=-1))) if over.size else 0.0,
    }


def foot_sliding(
    foot_pos: np.ndarray,
    dt: float,
    contacts: np.ndarray | None = None,
    height_threshold: float = 0.04,
) -> dict[str, float]:
    """Foot sliding during contact.

    Args:
        foot_pos: ``(T, F, 3)`` world positions of F foot points (e.g. the H1 foot sites).
        dt: seconds between frames.
        contacts: ``(T, F)`` contact labels; when ``None`` a foot is in contact while it is
            lower than ``height_threshold`` above the lowest height any foot reaches.
        height_threshold: metres, used only without ``contacts``.

    Returns:
        ``sliding_mean`` (m/s, mean horizontal speed over contact frames), ``sliding_max``
        (m/s) and ``sliding_distance`` (m, total horizontal travel while in contact, per foot).
    """
    foot_pos = np.asarray(foot_pos, dtype=np.float64)
    if foot_pos.ndim != 3 or foot_pos.shape[2] != 3:
        raise ValueError(f"foot_pos must be (T, F, 3), got {foot_pos.shape}")
    if contacts is None:
        floor = foot_pos[..., 2].min()
        contacts = foot_pos[..., 2] < floor + height_threshold
    contacts = np.asarray(contacts, dtype=bool)
    if foot_pos.shape[0] < 2:
        return {"sliding_mean": 0.0, "sliding_max": 0.0, "sliding_distance": 0.0}
    step = np.linalg.norm(np.diff(foot_pos[..., :2], axis=0), axis=-1)  # (T-1, F)
    both = contacts[1:] & contacts[:-1]
    if not both.any():
        return {"sliding_mean": 0.0, "sliding_max": 0.0, "sliding_distance": 0.0}
    speeds = step[both] / dt
    return {
        "sliding_mean": float(speeds.mean()),
        "sliding_max": float(speeds.max()),
        "sliding_distance": float(step[both].sum() / foot_pos.shape[1]),
    }


def rms_joint_error(
    joint_pos: np.ndarray,
    prior: Clip | np.ndarray,
    dt: float = 0.02,
    *,
    mode: str = "time",
    speed: float = 1.0,
    start_time: float = 0.0,
) -> float:
    """RMS joint-angle error (rad) between a recorded trajectory and a motion prior.

    Args:
        joint_pos: ``(T, J)`` recorded joint positions (actuator order).
        prior: a :class:`Clip` or a ``(T', J)`` array of reference joint positions.
        dt: seconds between recorded frames (0.02 for the H1 tasks).
        mode: ``"time"`` compares frame t with the prior at ``start_time + t*dt*speed``
            (wrapping when the clip loops); ``"nearest"`` compares every frame with the closest
            prior pose (phase-free: suits composed behaviour that is not phase-locked).
        speed: playback rate of the prior for ``"time"``.
        start_time: prior time of the first recorded frame for ``"time"``.

    Returns:
        ``sqrt(mean over frames and joints of (q - q_ref)^2)``.
    """
    q = np.asarray(joint_pos, dtype=np.float64)
    if isinstance(prior, Clip):
        if mode == "time":
            ref = prior.sample(start_time + np.arange(len(q)) * dt * speed)["joint_pos"]
        else:
            ref = prior.joint_pos
    else:
        ref = np.asarray(prior, dtype=np.float64)
        if mode == "time":
            idx = np.minimum(np.arange(len(q)), len(ref) - 1)
            ref = ref[idx]
    if ref.shape[-1] != q.shape[-1]:
        raise ValueError(f"recorded trajectory has {q.shape[-1]} joints, the prior {ref.shape[-1]}")
    if mode == "time":
        return float(np.sqrt(np.mean((q - ref) ** 2)))
    if mode == "nearest":
        d2 = ((q[:, None, :] - ref[None, :, :]) ** 2).mean(axis=-1)
        return float(np.sqrt(d2.min(axis=1).mean()))
    raise ValueError(f"mode must be 'time' or 'nearest', got {mode!r}")


def clip_metrics(
    clip: Clip, targets: dict[str, np.ndarray] | None = None, kinematics: Any = None
) -> dict[str, float]:
    """Quality figures of a retargeted clip.

    Args:
        clip: the clip.
        targets: keypoint -> ``(T, 3)`` IK targets, for the keypoint error.
        kinematics: a :class:`~mwx_sdk.motion.retarget.RobotKinematics` for exact foot
            penetration from the foot collision meshes; without it penetration is estimated
            from the stored foot-site keypoints (reported as ``None`` if there are none).

    Returns:
        Name -> value (metres, radians, m/s, fractions).
    """
    out: dict[str, float] = {"frames": float(clip.num_frames), "duration_s": clip.duration, "fps": clip.fps}
    if clip.joint_range is not None:
        out.update(joint_limit_violation(clip.joint_pos, clip.joint_range))
    out["contact_fraction_left"] = float(clip.contacts[:, 0].mean())
    out["contact_fraction_right"] = float(clip.contacts[:, 1].mean())
    names = list(clip.keypoint_names)
    if kinematics is not None:
        lows = []
        for q in clip.qpos:
            kinematics.set_qpos(q)
            lows.append(kinematics.sole_min_z())
        lows = np.array(lows)
        out["foot_penetration_max"] = float(max(0.0, -lows.min()))
        # the stance sole should touch the floor: mean gap of the lowest sole while in contact
        stance = clip.contacts.any(axis=1)
        out["stance_foot_gap_mean"] = float(np.abs(lows[stance]).mean()) if stance.any() else 0.0
        if getattr(kinematics.spec, "clearance_arms", ()):
            pens = []
            for q in clip.qpos:
                kinematics.set_qpos(q)
                pens.append(kinematics.self_penetration())
            if None not in pens:
                out["self_penetration_max"] = float(max(pens))
    if clip.keypoints is not None and "left_foot" in names and "right_foot" in names:
        feet = clip.keypoints[:, [names.index("left_foot"), names.index("right_foot")]]
        out.update(foot_sliding(feet, 1.0 / clip.fps, contacts=clip.contacts))
        if kinematics is None:
            out["foot_site_min_z"] = float(feet[..., 2].min())
    if targets is not None and clip.keypoints is not None:
        errs = [
            np.linalg.norm(clip.keypoints[:, names.index(k)] - v, axis=1)
            for k, v in targets.items()
            if k in names
        ]
        if errs:
            e = np.stack(errs, axis=1)
            out["keypoint_error_mean"] = float(e.mean())
            out["keypoint_error_max"] = float(e.max())
    return out
