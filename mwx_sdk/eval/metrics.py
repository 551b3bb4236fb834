"""Per-episode metrics and their aggregation: returns, success, falls, naturalness.

All functions are pure numpy over recorded arrays, so they can be checked by hand:

- **jerk** — third finite difference of the joint positions at the control period ``dt``,
  ``j_t = (q_{t+3} - 3 q_{t+2} + 3 q_{t+1} - q_t) / dt^3``, reported as the RMS over time and
  joints (rad/s^3). For ``q = c t^3`` it is exactly ``6 c``.
- **foot sliding** — mean horizontal speed (m/s) of a foot while it stays in contact with the
  ground at both ends of a step, over all feet and all contact steps; 0 when no foot is ever
  in contact (``mwx_sdk.motion.quality.foot_sliding``). Evaluation episodes label contact from
  the simulator's contact list (the foot's body touching anything outside the robot); without
  labels a foot touches the ground while its site is below ``contact_height``.
- **RMS joint error** — ``sqrt(mean((q - q_ref)^2))`` over the steps where the agent's motion
  prior published a reference pose and over the joints the reference covers (radians).
- **fall** — the environment terminated the episode early, or the pelvis dropped below
  ``fall_height`` at any step.
- **mean ± std** — population standard deviation (``ddof = 0``), the figure numpy and the
  papers' plots use; a single value has std 0.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "DEFAULT_CONTACT_HEIGHT",
    "DEFAULT_FALL_HEIGHT",
    "Summary",
    "fell",
    "foot_sliding",
    "imitation_term",
    "jerk_rms",
    "mean_std",
    "rms_joint_error",
    "summarize",
]

#: Pelvis height (m) under which the H1 counts as fallen. HumanoidBench terminates locomotion
#: tasks at 0.2 m; 0.45 m also catches a robot that collapsed onto its knees or a chair edge
#: without triggering termination (a seated H1 keeps its pelvis near 0.6 m).
DEFAULT_FALL_HEIGHT = 0.45

#: Height (m) of the foot site under which a foot counts as touching the ground. The H1 foot
#: sites sit 0.05 m below the ankle, 0.005-0.015 m above the floor in stance and about 0.1 m
#: up in swing.
DEFAULT_CONTACT_HEIGHT = 0.05


def mean_std(values: Iterable[float]) -> tuple[float, float]:
    """Mean and population standard deviation of finite ``values`` (NaN, NaN when none).

    Args:
        values: numbers; non-finite ones are ignored.

    Returns:
        ``(mean, std)`` with ``ddof = 0``.
    """
    a = np.asarray([float(v) for v in values if v is not None], dtype=np.float64)
    a = a[np.isfinite(a)]
    if a.size == 0:
        return math.nan, math.nan
    return float(a.mean()), float(a.std())


def jerk_rms(q: np.ndarray, dt: float) -> float:
    """RMS jerk of joint trajectories.

    Args:
        q: joint positions ``(T, J)`` sampled every ``dt`` seconds.
        dt: sampling period in seconds.

    Returns:
        RMS of the third finite difference over time and joints, in units of ``q`` per s^3;
        NaN when fewer than 4 samples.
    """
    q = np.asarray(q, dtype=np.float64)
    if dt <= 0:
        raise ValueError(f"dt must be positive, got {dt}")
    if q.ndim == 1:
        q = q[:, None]
    if q.shape[0] < 4:
        return math.nan
    j = (q[3:] - 3.0 * q[2:-1] + 3.0 * q[1:-2] - q[:-3]) / dt**3
    return float(np.sqrt(np.mean(j**2)))


def foot_sliding(foot_pos: np.ndarray, dt: float, contact_height: float = DEFAULT_CONTACT_HEIGHT,
                 contacts: np.ndarray | None = None) -> float:
    """Mean horizontal foot speed while in ground contact.

    Contact comes from ``contacts`` when given, else from an absolute height (the floor is at
    z = 0 in every task); the speed is :func:`mwx_sdk.motion.quality.foot_sliding`'s
    ``sliding_mean``.

    Args:
        foot_pos: world positions ``(T, F, 3)`` of ``F`` foot sites.
        dt: sampling period in seconds.
        contact_height: without ``contacts``, a foot touches the ground when its site is lower
            than this (m).
        contacts: ``(T, F)`` contact labels (e.g. from the simulator's contact list).

    Returns:
        Mean horizontal speed (m/s) over the (step, foot) pairs where the foot is in contact at
        both ends of the step; 0.0 when there is none; NaN when fewer than 2 samples.
    """
    from mwx_sdk.motion.quality import foot_sliding as _sliding

    p = np.asarray(foot_pos, dtype=np.float64)
    if p.ndim != 3 or p.shape[-1] != 3:
        raise ValueError(f"foot_pos must have shape (T, F, 3), got {p.shape}")
    if dt <= 0:
        raise ValueError(f"dt must be positive, got {dt}")
    if p.shape[0] < 2:
        return math.nan
    if contacts is None:
        contacts = p[:, :, 2] < contact_height
    else:
        contacts = np.asarray(contacts, dtype=bool)
        if contacts.shape != p.shape[:2]:
            raise ValueError(f"contacts must have shape {p.shape[:2]} (steps, feet), got {contacts.shape}")
    return float(_sliding(p, dt, contacts=contacts)["sliding_mean"])


def rms_joint_error(q: np.ndarray, q_ref: np.ndarray) -> float:
    """RMS error between joint positions and a reference, over rows where the reference is finite.

    Args:
        q: joint positions ``(T, J)``.
        q_ref: reference positions ``(T, J)``; rows of NaN mean "no reference at that step".

    Returns:
        The RMS error in the units of ``q``; NaN when no row has a reference.
    """
    q = np.asarray(q, dtype=np.float64)
    r = np.asarray(q_ref, dtype=np.float64)
    if q.shape != r.shape:
        raise ValueError(f"q and q_ref shapes differ: {q.shape} vs {r.shape}")
    from mwx_sdk.motion.quality import rms_joint_error as _rms

    if q.ndim == 1:
        q, r = q[:, None], r[:, None]
    rows = np.all(np.isfinite(r), axis=-1)
    if not rows.any():
        return math.nan
    # The agent publishes the reference of each step, so frames are already time-aligned.
    return float(_rms(q[rows], r[rows], mode="time"))


def fell(pelvis_z: np.ndarray, terminated: bool, fall_height: float = DEFAULT_FALL_HEIGHT,
         succeeded: bool = False, robot_down: bool | None = None) -> bool:
    """Whether an episode counts as a fall.

    Args:
        pelvis_z: pelvis height at each recorded step (m).
        terminated: the environment ended the episode before its step budget.
        fall_height: pelvis height under which the robot has fallen (m).
        succeeded: the episode ended on the task's own success (push ends when the box reaches
            the goal): that termination is not a fall.
        robot_down: whether the env's own fall rule held at the end (its ``robot_down()``),
            where the env says so; ``None`` for an env that does not (HumanoidBench's own),
            whose termination other than by success then counts as a fall.

    Returns:
        ``True`` when the pelvis went below ``fall_height``, or the env ended the episode on the
        robot's fall (on anything other than success, where the env does not tell).
    """
    z = np.asarray(pelvis_z, dtype=np.float64)
    z = z[np.isfinite(z)]
    if bool(z.size and z.min() < fall_height):
        return True
    if not terminated or succeeded:
        return False
    return True if robot_down is None else bool(robot_down)


def imitation_term(q: np.ndarray, q_ref: np.ndarray) -> np.ndarray:
    """Per-step imitation reward of a trajectory against its reference, 0 where there is none.

    It is the MetaWorld-X energy-based reward ``exp(-w_p * mean_j (q - q_ref)^2)`` of
    :func:`mwx_sdk.motion.imitation.imitation_reward` with its default weights (joint
    positions only: the agent publishes reference poses, not velocities).

    Args:
        q: joint positions ``(T, J)``.
        q_ref: reference positions ``(T, J)`` (NaN rows mean no reference).

    Returns:
        ``(T,)`` values in ``[0, 1]``.
    """
    from mwx_sdk.motion.imitation import imitation_reward

    q = np.asarray(q, dtype=np.float64)
    r = np.asarray(q_ref, dtype=np.float64)
    rows = np.all(np.isfinite(r), axis=-1)
    out = np.zeros(q.shape[0])
    if rows.any():
        out[rows] = imitation_reward(q[rows], r[rows])
    return out


@dataclass
class Summary:
    """Aggregate of a set of episodes (one task x method)."""

    episodes: int
    return_mean: float
    return_std: float
    shaped_return_mean: float
    shaped_return_std: float
    success_rate: float
    successes: int
    fall_rate: float
    ms_per_step: float
    agent_ms_per_step: float
    rms_joint_error: float
    jerk: float
    foot_sliding: float
    steps_mean: float

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _mean(values: Sequence[float]) -> float:
    return mean_std(values)[0]


def summarize(episodes: Sequence[dict]) -> Summary:
    """Aggregate per-episode result dictionaries (as produced by ``run_episode``).

    Args:
        episodes: per-episode dictionaries with keys ``return``, ``shaped_return``, ``success``,
            ``fell``, ``ms_per_step``, ``agent_ms_per_step``, ``rms_joint_error``, ``jerk``,
            ``foot_sliding`` and ``steps``.

    Returns:
        A :class:`Summary`; rates are fractions in ``[0, 1]``.
    """
    if not episodes:
        raise ValueError("summarize needs at least one episode result")
    ret = mean_std(e["return"] for e in episodes)
    shaped = mean_std(e["shaped_return"] for e in episodes)
    succ = sum(bool(e["success"]) for e in episodes)
    return Summary(
        episodes=len(episodes),
        return_mean=ret[0],
        return_std=ret[1],
        shaped_return_mean=shaped[0],
        shaped_return_std=shaped[1],
        success_rate=succ / len(episodes),
        successes=succ,
        fall_rate=sum(bool(e["fell"]) for e in episodes) / len(episodes),
        ms_per_step=_mean([e["ms_per_step"] for e in episodes]),
        agent_ms_per_step=_mean([e["agent_ms_per_step"] for e in episodes]),
        rms_joint_error=_mean([e.get("rms_joint_error") for e in episodes]),
        jerk=_mean([e.get("jerk") for e in episodes]),
        foot_sliding=_mean([e.get("foot_sliding") for e in episodes]),
        steps_mean=_mean([e["steps"] for e in episodes]),
    )
