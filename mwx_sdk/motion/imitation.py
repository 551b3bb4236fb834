"""Energy-based imitation reward (MetaWorld-X): how closely a state follows a motion prior.

The energy of a state against its reference is a weighted sum of squared errors

    E = w_p * ||q - q_ref||^2 / J  +  w_v * ||qd - qd_ref||^2 / J  +  w_h * (z - z_ref)^2

(joint positions ``q``, joint velocities ``qd``, optional root height ``z``; the joint terms
are averaged over the J joints so the scale does not depend on the robot), and the reward is
the Boltzmann factor ``r = exp(-E)`` in (0, 1], equal to 1 on the reference. Equivalently it is
the product ``exp(-w_p*e_p) * exp(-w_v*e_v) * exp(-w_h*e_h)`` of per-term rewards, each
reported separately so they can be logged.

Everything broadcasts over leading batch dimensions: a planner can score ``(N, H, J)`` rollouts
against ``(H, J)`` references in one call.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ImitationRewardConfig", "imitation_energy", "imitation_reward"]


@dataclass
class ImitationRewardConfig:
    """Weights of the imitation energy.

    Args:
        w_pos: weight of the mean squared joint position error (rad^-2). With 5, a 0.2 rad
            error on every joint gives exp(-0.2) = 0.82.
        w_vel: weight of the mean squared joint velocity error ((rad/s)^-2).
        w_height: weight of the squared root height error (m^-2); 0 disables it.
        joint_weights: optional per-joint weights ``(J,)`` (normalised to mean 1).
    """

    w_pos: float = 5.0
    w_vel: float = 0.01
    w_height: float = 0.0
    joint_weights: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        for name in ("w_pos", "w_vel", "w_height"):
            v = getattr(self, name)
            if not np.isfinite(v) or v < 0:
                raise ValueError(f"{name} must be a finite number >= 0, got {v}")
        if self.joint_weights is not None:
            w = np.asarray(self.joint_weights, dtype=np.float64)
            if w.ndim != 1 or np.any(w < 0) or w.sum() <= 0:
                raise ValueError("joint_weights must be a 1-D array of non-negative values, not all zero")


def _mean_sq(err: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    if weights is None:
        return np.mean(err**2, axis=-1)
    if weights.shape[0] != err.shape[-1]:
        raise ValueError(f"joint_weights has {weights.shape[0]} entries, the state has {err.shape[-1]} joints")
    return np.sum(weights * err**2, axis=-1) / err.shape[-1]


def imitation_energy(
    q: np.ndarray,
    q_ref: np.ndarray,
    qd: np.ndarray | None = None,
    qd_ref: np.ndarray | None = None,
    height: np.ndarray | None = None,
    height_ref: np.ndarray | None = None,
    config: ImitationRewardConfig | None = None,
) -> dict[str, np.ndarray]:
    """Energy terms of states against references (shapes broadcast; last axis = joints).

    Args:
        q: joint positions ``(..., J)``.
        q_ref: reference joint positions, broadcastable to ``q``.
        qd, qd_ref: joint velocities and their reference (both or neither).
        height, height_ref: root heights ``(...)`` and reference (both or neither).
        config: weights.

    Returns:
        ``{"pos": ..., "vel": ..., "height": ..., "energy": ...}``, each of the batch shape;
        terms that were not given are zeros.
    """
    cfg = config or ImitationRewardConfig()
    w = None
    if cfg.joint_weights is not None:
        w = np.asarray(cfg.joint_weights, dtype=np.float64)
        w = w / w.mean()
    q = np.asarray(q, dtype=np.float64)
    q_ref = np.asarray(q_ref, dtype=np.float64)
    e_pos = _mean_sq(q - q_ref, w)
    shape = e_pos.shape
    e_vel = np.zeros(shape)
    e_h = np.zeros(shape)
    if (qd is None) != (qd_ref is None):
        raise ValueError("pass both qd and qd_ref, or neither")
    if qd is not None:
        e_vel = _mean_sq(np.asarray(qd, dtype=np.float64) - np.asarray(qd_ref, dtype=np.float64), w)
    if (height is None) != (height_ref is None):
        raise ValueError("pass both height and height_ref, or neither")
    if height is not None:
        e_h = (np.asarray(height, dtype=np.float64) - np.asarray(height_ref, dtype=np.float64)) ** 2
    energy = cfg.w_pos * e_pos + cfg.w_vel * e_vel + cfg.w_height * e_h
    return {"pos": e_pos, "vel": e_vel, "height": e_h, "energy": energy}


def imitation_reward(
    q: np.ndarray,
    q_ref: np.ndarray,
    qd: np.ndarray | None = None,
    qd_ref: np.ndarray | None = None,
    height: np.ndarray | None = None,
    height_ref: np.ndarray | None = None,
    config: ImitationRewardConfig | None = None,
    return_terms: bool = False,
) -> np.ndarray | tuple[np.ndarray, dict[str, np.ndarray]]:
    """Imitation reward ``exp(-E)`` in (0, 1]; see the module docstring for E.

    Args:
        q, q_ref, qd, qd_ref, height, height_ref, config: as in :func:`imitation_energy`.
        return_terms: also return the per-term rewards ``exp(-w*e)`` and the energies.

    Returns:
        The reward with the broadcast batch shape (and the terms dict when asked).
    """
    cfg = config or ImitationRewardConfig()
    e = imitation_energy(q, q_ref, qd, qd_ref, height, height_ref, cfg)
    r = np.exp(-e["energy"])
    if not return_terms:
        return r
    terms = {
        "r_pos": np.exp(-cfg.w_pos * e["pos"]),
        "r_vel": np.exp(-cfg.w_vel * e["vel"]),
        "r_height": np.exp(-cfg.w_height * e["height"]),
        **{f"e_{k}": v for k, v in e.items()},
    }
    return r, terms
