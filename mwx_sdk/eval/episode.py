"""Run one evaluation episode and measure it.

The loop does no file I/O: everything is recorded into arrays allocated once at reset
(:class:`EpisodeRecorder`), and metrics are computed after the last step. The result is a
plain dictionary (numbers, short lists) that pickles cheaply back from a worker process.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..episode import run_agent_episode
from . import metrics
from .spec import EpisodeSpec, build_agent, build_env, seed_everything

__all__ = ["METRICS_VERSION", "TIMING_KEYS", "EpisodeRecorder", "PhysicsProbe", "run_episode"]

#: Result keys that measure wall-clock time (they differ between runs of the same seed).
TIMING_KEYS = ("ms_per_step", "agent_ms_per_step", "env_ms_per_step", "planner_ms_per_step", "wall_s")

#: Version of the recorded metrics' definitions (part of a saved episode's fingerprint, so a
#: resumed suite re-runs episodes measured under an older definition). 2: foot sliding counts
#: the simulator's foot contacts instead of a foot-site height.
METRICS_VERSION = 2

#: A MuJoCo contact closer than this (m; negative = penetrating) counts as touching.
CONTACT_DISTANCE = 1e-3

_SKIP_INFO = {"success", "success_subtasks", "TimeLimit.truncated", "episode", "terminal_observation"}


class PhysicsProbe:
    """Reads actuated joint positions, pelvis height, foot positions and foot contacts from a
    MuJoCo env.

    Works with any env whose unwrapped object exposes ``model`` and ``data`` (MuJoCo); reads
    nothing when it does not.
    """

    def __init__(self, env: Any) -> None:
        base = getattr(env, "unwrapped", env)
        self.model = getattr(base, "model", None)
        self.data = getattr(base, "data", None)
        self.n_joints = 0
        self._qadr = np.zeros(0, dtype=int)
        self._pelvis = -1
        self._free_root = False
        self._feet: list[int] = []
        self._foot_body = np.zeros(0, dtype=int)
        if self.model is None or self.data is None:
            return
        import mujoco

        m = self.model
        # Joint-driven actuators give the joint order of the action vector.
        joint_act = [i for i in range(m.nu) if int(m.actuator_trntype[i]) == int(mujoco.mjtTrn.mjTRN_JOINT)]
        self._qadr = np.array([m.jnt_qposadr[m.actuator_trnid[i, 0]] for i in joint_act], dtype=int)
        self.n_joints = len(self._qadr)
        self._pelvis = mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_BODY, "pelvis")
        self._free_root = m.njnt > 0 and int(m.jnt_type[0]) == int(mujoco.mjtJoint.mjJNT_FREE)
        for name in ("left_foot", "right_foot"):
            sid = mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_SITE, name)
            if sid >= 0:
                self._feet.append(sid)
        self._foot_body = np.array([m.site_bodyid[s] for s in self._feet], dtype=int)

    @property
    def n_feet(self) -> int:
        return len(self._feet)

    def joints(self) -> np.ndarray:
        return self.data.qpos[self._qadr] if self.n_joints else np.zeros(0)

    def pelvis_z(self) -> float:
        if self.data is None:
            return math.nan
        if self._pelvis >= 0:
            return float(self.data.xpos[self._pelvis, 2])
        return float(self.data.qpos[2]) if self._free_root else math.nan

    def feet(self) -> np.ndarray:
        return self.data.site_xpos[self._feet] if self._feet else np.zeros((0, 3))

    def foot_contacts(self) -> np.ndarray:
        """(F,) bool: the body carrying each foot site touches something outside the robot."""
        ncon = int(self.data.ncon)
        if not ncon or not self._feet:
            return np.zeros(len(self._feet), dtype=bool)
        m, con = self.model, self.data.contact
        touching = con.dist[:ncon] <= CONTACT_DISTANCE
        b1 = m.geom_bodyid[con.geom1[:ncon][touching]]
        b2 = m.geom_bodyid[con.geom2[:ncon][touching]]
        cross = m.body_rootid[b1] != m.body_rootid[b2]  # between the robot and something else
        return np.isin(self._foot_body, np.concatenate([b1[cross], b2[cross]]))


class EpisodeRecorder:
    """Preallocated per-step arrays for one episode.

    Args:
        steps: maximum number of control steps.
        n_joints: actuated joints recorded per step.
        n_experts: experts whose weights are recorded per step.
        n_feet: foot sites recorded per step.
    """

    def __init__(self, steps: int, n_joints: int, n_experts: int, n_feet: int) -> None:
        self.n = 0
        self.reward = np.zeros(steps)
        self.agent_s = np.zeros(steps)
        self.env_s = np.zeros(steps)
        self.q = np.zeros((steps, n_joints))
        self.q_ref = np.full((steps, n_joints), np.nan)
        self.pelvis_z = np.full(steps, np.nan)
        self.feet = np.zeros((steps, n_feet, 3))
        self.contact = np.zeros((steps, n_feet), dtype=bool)
        self.fused = np.full((steps, n_experts), np.nan)
        self.semantic = np.full((steps, n_experts), np.nan)
        self.state = np.full((steps, n_experts), np.nan)
        self.subgoal = np.zeros(steps, dtype=np.int64)
        self.terms: dict[str, np.ndarray] = {}
        self.task_success = False
        self._cap = steps

    def term(self, key: str, value: float) -> None:
        arr = self.terms.get(key)
        if arr is None:
            arr = self.terms[key] = np.zeros(self._cap)
        arr[self.n] = value

    def trimmed(self, name: str) -> np.ndarray:
        return getattr(self, name)[: self.n]


def _diag_vector(diag: Any, name: str, size: int) -> np.ndarray | None:
    v = getattr(diag, name, None)
    if v is None:
        return None
    v = np.asarray(v, dtype=np.float64).ravel()
    return v if v.size == size else None


def _experts_of(agent: Any) -> list:
    experts = getattr(agent, "experts", None)
    return list(experts) if experts is not None else []


def _expert_names(agent: Any) -> list[str]:
    names = getattr(agent, "expert_names", None)
    if names is not None:
        return [str(n) for n in names]
    out = []
    for i, e in enumerate(_experts_of(agent)):
        spec = getattr(e, "spec", None)
        out.append(str(getattr(spec, "name", f"expert{i}")))
    return out


def reference_pose(agent: Any, weights: np.ndarray | None, n_joints: int) -> np.ndarray | None:
    """The fused motion-prior pose the agent's experts want now, or ``None``.

    Uses ``agent.reference_qpos()`` when the agent provides it; otherwise blends the experts'
    ``reference_qpos(ctx)`` with the fused weights, renormalised over experts that have one.
    """
    own = getattr(agent, "reference_qpos", None)
    if callable(own):
        ref = own()
        if ref is None:
            return None
        ref = np.asarray(ref, dtype=np.float64).ravel()
        return ref[:n_joints] if ref.size >= n_joints else None
    experts = _experts_of(agent)
    ctx = getattr(agent, "ctx", None) or getattr(agent, "context", None)
    if not experts or ctx is None:
        return None
    if weights is None or weights.size != len(experts):
        weights = np.full(len(experts), 1.0 / len(experts))
    total, acc = 0.0, np.zeros(n_joints)
    for w, e in zip(weights, experts):
        if w <= 0:
            continue
        ref = e.reference_qpos(ctx)
        if ref is None:
            continue
        ref = np.asarray(ref, dtype=np.float64).ravel()
        if ref.size < n_joints:
            continue
        acc += w * ref[:n_joints]
        total += w
    return acc / total if total > 0 else None


class _Measure:
    """Episode callback: records what the metrics, traces and the optional video need."""

    def __init__(self, env: Any, agent: Any, steps: int, video_path: Any) -> None:
        self.env, self.agent = env, agent
        self.probe = PhysicsProbe(env)
        self.names = _expert_names(agent)
        self.rec = EpisodeRecorder(steps, self.probe.n_joints, len(self.names), self.probe.n_feet)
        self.dt = float(getattr(env.unwrapped, "dt", 0.02))
        self.plan_cost = np.full(steps, np.nan)
        self.plan_ms = np.full(steps, np.nan)
        self.video = None
        self._video_path = video_path

    def on_start(self, env: Any, agent: Any, obs: Any, plan: Any) -> None:
        if self._video_path:
            from .video import EpisodeVideo

            self.video = EpisodeVideo(env, self._video_path, dt=self.dt)
            self.video.capture()

    def on_step(self, step: Any) -> None:
        rec, probe, names, agent = self.rec, self.probe, self.names, self.agent
        i = rec.n
        rec.reward[i] = step.reward
        rec.agent_s[i] = step.agent_s
        rec.env_s[i] = step.env_s
        if probe.n_joints:
            rec.q[i] = probe.joints()
            rec.pelvis_z[i] = probe.pelvis_z()
            rec.feet[i] = probe.feet()
            rec.contact[i] = probe.foot_contacts()
        diag = getattr(agent, "diagnostics", None)
        fused = None
        if diag is not None:
            fused = _diag_vector(diag, "fused_weights", len(names))
            if fused is not None:
                rec.fused[i] = fused
            for attr, arr in (("semantic_weights", rec.semantic), ("state_weights", rec.state)):
                v = _diag_vector(diag, attr, len(names))
                if v is not None:
                    arr[i] = v
            rec.subgoal[i] = int(getattr(diag, "subgoal_index", 0))
            pdiag = getattr(diag, "planner", None) or {}
            if "best_cost" in pdiag:
                self.plan_cost[i] = float(pdiag["best_cost"])
            if "ms" in pdiag:
                self.plan_ms[i] = float(pdiag["ms"])
        if probe.n_joints:
            ref = reference_pose(agent, fused, probe.n_joints)
            if ref is not None:
                rec.q_ref[i] = ref
        for key, value in step.info.items():
            if key in _SKIP_INFO or isinstance(value, (bool, np.bool_)):
                continue
            if isinstance(value, (int, float, np.integer, np.floating)):
                rec.term(key, float(value))
        if step.info.get("success"):
            rec.task_success = True
        rec.n += 1
        if self.video is not None:
            self.video.capture(rec.n, float(rec.reward[: rec.n].sum()), names, fused)

    def on_end(self, outcome: Any) -> None:
        pass


def run_episode(spec: EpisodeSpec, *, keep_trace: bool = True) -> dict[str, Any]:
    """Build the env and agent from ``spec``, run one seeded episode and measure it.

    Args:
        spec: what to run.
        keep_trace: include per-step traces (rewards, expert weights) for plots.

    Returns:
        A dictionary with the episode's standard return, shaped return, success, fall flag,
        timing, naturalness metrics, reward-term sums and (optionally) traces.
    """
    t_start = time.perf_counter()
    seed_everything(spec.seed)
    env = build_env(spec.env)
    agent = None
    try:
        agent = build_agent(spec.agent, seed=spec.seed, env=env)
        max_steps = getattr(getattr(env, "spec", None), "max_episode_steps", None) or 1000
        steps = int(spec.steps or max_steps)
        measure = _Measure(env, agent, steps, spec.video)
        # the one loop: it seeds the globals, the env and the agent from spec.seed again, since
        # building may consume randomness
        outcome = run_agent_episode(env, agent, spec.instruction, seed=spec.seed, steps=steps, callbacks=[measure])
        if measure.video is not None:
            measure.video.close()
        out = _result(spec, env, measure.rec, measure.names, steps, max_steps, measure.dt, outcome.terminated,
                      measure.plan_cost, measure.plan_ms, time.perf_counter() - t_start, keep_trace)
        # the planner a task's defaults chose is not in the spec: say which one ran
        out["planner"] = getattr(getattr(agent, "planner", None), "name", None) or None
        return out
    finally:
        close = getattr(agent, "close", None) or getattr(getattr(agent, "planner", None), "close", None)
        if callable(close):
            close()
        env.close()


def _nanmean(x: np.ndarray) -> float:
    return float(np.nanmean(x)) if np.isfinite(x).any() else math.nan


def _robot_down(env: Any) -> bool | None:
    """The env's own fall rule at the episode's end (a dropped ball ends basketball's episode,
    which is not a fall), or ``None`` where the env has none."""
    down = getattr(getattr(env, "unwrapped", env), "robot_down", None)
    return bool(down()) if callable(down) else None


def _result(spec: EpisodeSpec, env: Any, rec: EpisodeRecorder, names: Sequence[str], steps: int,
            max_steps: int, dt: float, terminated: bool, plan_cost: np.ndarray, plan_ms: np.ndarray,
            wall: float, keep_trace: bool) -> dict[str, Any]:
    n = rec.n
    q, q_ref = rec.trimmed("q"), rec.trimmed("q_ref")
    has_ref = bool(q.shape[1]) and bool(np.isfinite(q_ref).all(axis=1).any())
    ret = float(rec.reward[:n].sum())
    imit = metrics.imitation_term(q, q_ref) if has_ref else np.zeros(n)
    shaped = ret + spec.imitation_weight * float(imit.sum())
    bar = getattr(env.unwrapped, "success_bar", None)
    bar = float(bar) if bar is not None else None
    # A return threshold is defined for the full episode; shorter budgets scale it linearly.
    bar_used = None if bar is None else bar * min(1.0, steps / float(max_steps))
    # Tasks with their own success condition (push, package, truck, basketball) publish it in
    # info; the others are judged by the return against the (scaled) bar.
    own = bool(getattr(env.unwrapped, "own_success", False))
    success = bool(rec.task_success) if own else bool(bar_used is not None and ret >= bar_used)
    agent_ms = 1e3 * float(rec.agent_s[:n].mean()) if n else math.nan
    env_ms = 1e3 * float(rec.env_s[:n].mean()) if n else math.nan
    out: dict[str, Any] = {
        **spec.tags,
        "env": spec.env.env_id or spec.env.factory,
        "task": spec.tags.get("task", spec.env.task),
        "method": spec.tags.get("method", spec.agent.describe()),
        "seed": int(spec.seed),
        "instruction": spec.instruction,
        "steps": n,
        "step_budget": steps,
        "max_episode_steps": int(max_steps),
        "return": ret,
        "shaped_return": shaped,
        "imitation_return": float(imit.sum()),
        "has_prior": has_ref,
        "success_bar": bar,
        "success_bar_used": bar_used,
        "success": success,
        "task_success": bool(rec.task_success),
        "terminated": bool(terminated),
        "fell": metrics.fell(rec.trimmed("pelvis_z"), terminated, spec.fall_height, succeeded=bool(rec.task_success),
                             robot_down=_robot_down(env)),
        "ms_per_step": agent_ms + env_ms,
        "agent_ms_per_step": agent_ms,
        "env_ms_per_step": env_ms,
        "wall_s": wall,
        "rms_joint_error": metrics.rms_joint_error(q, q_ref) if has_ref else math.nan,
        "jerk": metrics.jerk_rms(q, dt) if q.shape[1] else math.nan,
        "foot_sliding": metrics.foot_sliding(rec.trimmed("feet"), dt, contacts=rec.trimmed("contact"))
        if rec.feet.shape[1] else math.nan,
        "planner_cost_mean": _nanmean(plan_cost[:n]),
        "planner_ms_per_step": _nanmean(plan_ms[:n]),
        "experts": list(names),
        "mean_fused_weights": np.nanmean(rec.trimmed("fused"), axis=0).tolist()
        if names and np.isfinite(rec.trimmed("fused")).any() else [],
        "reward_terms": {k: float(v[:n].sum()) for k, v in sorted(rec.terms.items())},
    }
    if keep_trace:
        out["trace"] = {
            "reward": rec.trimmed("reward").tolist(),
            "fused_weights": rec.trimmed("fused").tolist(),
            "semantic_weights": rec.trimmed("semantic").tolist(),
            "state_weights": rec.trimmed("state").tolist(),
            "subgoal_index": rec.trimmed("subgoal").tolist(),
        }
    if spec.video:
        out["video"] = spec.video
    return out
