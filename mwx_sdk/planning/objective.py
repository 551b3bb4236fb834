"""What the sampling planner minimises: minus the task's own reward plus stabilising shaping.

All functions work on whole batches: arrays of shape (N, H, ...) for N sampled sequences over
H control steps, read from the rollout's ``sensordata`` and ``state`` outputs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from .config import MPPIConfig
from .sim import SensorLayout

#: ``ctx.extras`` key: joint positions (``nq`` or ``nq - 7`` values) the expert's motion prior
#: wants now (``Expert.reference_qpos``). The planner tracks them when ``pose_weight > 0``.
REFERENCE_QPOS_KEY = "reference_qpos"
#: ``ctx.extras`` key: the prior's actions for the next steps, shape (T, nu), row 0 = now.
#: Without it the prior is a_ref held constant over the horizon.
A_REF_HORIZON_KEY = "a_ref_horizon"

RewardFn = Callable[[Mapping[str, np.ndarray]], np.ndarray]


def quantities(sensordata: np.ndarray, state: np.ndarray, layout: SensorLayout) -> dict[str, np.ndarray]:
    """Named physical quantities of a batch of rollouts, sampled once per control step.

    Args:
        sensordata: (N, H, nsensordata) sensor values at the last physics step of each control step.
        state: (N, H, nstate) full-physics states at the same instants.
        layout: where the planner sensors and qpos live.

    Returns:
        ``head_height``, ``torso_upright``, ``pelvis_z``, ``time``: (N, H);
        ``head``, ``com``, ``com_vel``, ``torso_xaxis``, ``left_foot``, ``right_foot``: (N, H, 3);
        ``actuator_force``: (N, H, nu); ``qpos``: (N, H, nq); ``qvel``: (N, H, nv); plus one
        entry per task sensor of ``layout.extra`` ((N, H) for scalar sensors, else (N, H, dim)).
    """
    s = layout.slices
    head = sensordata[..., s["head"]]
    q0 = layout.qpos0
    out = {name: (sensordata[..., sl.start] if sl.stop - sl.start == 1 else sensordata[..., sl])
           for name, sl in layout.extra.items()}
    return out | {
        "head": head,
        "head_height": head[..., 2],
        "torso_upright": sensordata[..., s["torso_z"]][..., 2],
        "torso_xaxis": sensordata[..., s["torso_x"]],
        "com": sensordata[..., s["com"]],
        "com_vel": sensordata[..., s["com_vel"]],
        "left_foot": sensordata[..., s["left_foot"]],
        "right_foot": sensordata[..., s["right_foot"]],
        "actuator_force": sensordata[..., layout.force],
        "qpos": state[..., q0:q0 + layout.nq],
        "qvel": state[..., q0 + layout.nq:q0 + layout.nq + layout.nv],
        "pelvis_z": state[..., q0 + 2],
        "time": state[..., 0],
    }


def shaping_cost(q: Mapping[str, np.ndarray], actions: np.ndarray, prior: np.ndarray,
                 cfg: MPPIConfig, *, target_speed: float, reference_qpos: np.ndarray | None = None
                 ) -> dict[str, np.ndarray]:
    """Stabilising cost terms per sample and step, each (N, H), already weighted.

    Args:
        q: quantities from :func:`quantities`.
        actions: (N, H, nu) sampled actions in [-1, 1].
        prior: (H, nu) prior actions (a_ref over the horizon).
        cfg: planner configuration (weights).
        target_speed: forward speed target at episode start (ramped by ``cfg.speed_ramp``).
        reference_qpos: joint targets of the expert's motion prior, or ``None``.

    Returns:
        Term name -> weighted cost (N, H); terms with zero weight are left out.
    """
    out: dict[str, np.ndarray] = {}
    if cfg.head_weight:
        out["head"] = cfg.head_weight * np.maximum(0.0, cfg.head_target - q["head_height"]) ** 2
    if cfg.upright_weight:
        out["upright"] = cfg.upright_weight * (1.0 - q["torso_upright"]) ** 2
    mid = 0.5 * (q["left_foot"][..., :2] + q["right_foot"][..., :2])
    if cfg.pelvis_height_weight and cfg.pelvis_height_target is not None:
        out["pelvis_height"] = cfg.pelvis_height_weight * (q["pelvis_z"] - cfg.pelvis_height_target) ** 2
    ramp = 1.0 if cfg.speed_ramp == 0 else np.clip(q["time"] / cfg.speed_ramp, 0.0, 1.0)
    if cfg.capture_weight:
        vel = q["com_vel"][..., :2]
        if cfg.capture_relative:
            # walking: only the velocity beyond the commanded one must be caught by the feet
            vel = np.stack([vel[..., 0] - target_speed * ramp, vel[..., 1]], axis=-1)
        cp = q["com"][..., :2] + cfg.capture_time * vel
        out["capture"] = cfg.capture_weight * np.sum((cp - mid) ** 2, axis=-1)
    if cfg.speed_weight:
        out["speed"] = cfg.speed_weight * (q["com_vel"][..., 0] - target_speed * ramp) ** 2
    if cfg.lateral_weight:
        out["lateral"] = cfg.lateral_weight * q["com_vel"][..., 1] ** 2
    if cfg.heading_weight:
        x = q["torso_xaxis"]
        cos_yaw = x[..., 0] / np.maximum(np.hypot(x[..., 0], x[..., 1]), 1e-6)
        out["heading"] = cfg.heading_weight * (1.0 - cos_yaw)
    if cfg.foot_spacing_weight and cfg.foot_spacing > 0:
        d = np.linalg.norm(q["left_foot"][..., :2] - q["right_foot"][..., :2], axis=-1)
        out["foot_spacing"] = cfg.foot_spacing_weight * np.maximum(0.0, cfg.foot_spacing - d) ** 2
    if cfg.force_weight:
        out["force"] = cfg.force_weight * np.mean((q["actuator_force"] / 100.0) ** 2, axis=-1)
    if cfg.action_weight:
        out["action"] = cfg.action_weight * np.mean((actions - prior[None]) ** 2, axis=-1)
    if cfg.pose_weight and reference_qpos is not None:
        joints = q["qpos"][..., 7:]
        ref = np.asarray(reference_qpos, dtype=np.float64).ravel()
        if ref.shape[0] == q["qpos"].shape[-1]:
            ref = ref[7:]
        if ref.shape[0] != joints.shape[-1]:
            raise ValueError(
                f"ctx.extras[{REFERENCE_QPOS_KEY!r}] has {ref.shape[0]} values; expected nq="
                f"{q['qpos'].shape[-1]} or nq-7={joints.shape[-1]}"
            )
        out["pose"] = cfg.pose_weight * np.mean((joints - ref) ** 2, axis=-1)
    return out


def total_cost(reward: np.ndarray, shaping: Mapping[str, np.ndarray], cfg: MPPIConfig) -> np.ndarray:
    """Discounted sum over the horizon of ``-reward_weight * reward + shaping``; shape (N,)."""
    per_step = -cfg.reward_weight * reward
    for term in shaping.values():
        per_step = per_step + term
    disc = cfg.gamma ** np.arange(per_step.shape[1])
    return per_step @ disc


def diverged(state: np.ndarray, sensordata: np.ndarray, t0: float, dt: float, nv_slice: slice,
             max_speed: float) -> np.ndarray:
    """Which rollouts blew up; (N,) bool.

    MuJoCo resets a simulation whose accelerations go bad (and warns) instead of producing
    NaN, which would make a blown-up rollout look like a fresh, upright robot. The reset also
    rewinds ``time``, so a rollout whose clock is off its schedule is flagged as diverged, as
    is any non-finite value or a joint speed above ``max_speed``.
    """
    n, nstep = state.shape[:2]
    expect = t0 + dt * np.arange(1, nstep + 1)
    bad = np.any(np.abs(state[..., 0] - expect[None]) > 1e-6 * max(1.0, abs(t0)) + 1e-9, axis=1)
    bad |= ~np.all(np.isfinite(state.reshape(n, -1)), axis=1)
    bad |= ~np.all(np.isfinite(sensordata.reshape(n, -1)), axis=1)
    with np.errstate(invalid="ignore"):
        bad |= np.any(np.abs(np.nan_to_num(state[..., nv_slice], nan=np.inf)) > max_speed, axis=(1, 2))
    return bad
