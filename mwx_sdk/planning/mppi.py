"""Planners ``direct`` (a_ref as is) and ``mppi`` (sampling MPC on copies of the simulator).

``mppi`` per control step:
1. copy the env's full physics state (time, qpos, qvel, act, plugin state and the solver
   warm start) into the planner's own buffers;
2. build N action sequences over H control steps as prior + piecewise-linear residual with K
   knots: sample 0 is the previous plan shifted by one step (pulled toward the prior),
   sample 1 is the prior itself, the rest add Gaussian noise to the knots;
3. roll them out in one ``mujoco.rollout`` call on a planner model (coarser physics step,
   extra sensors), read the quantities from the sensor outputs, score them with the task's
   own reward function plus shaping terms, drop diverged rollouts;
4. update the plan by MPPI weighting and return its first action.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from ..interfaces import Planner, StepContext
from ..memory import trim_heap
from . import objective as obj
from . import sim
from .config import MPPIConfig
from .rewards_adapter import TaskAdapter, task_adapter


class DirectPlanner(Planner):
    """Send the reference action a_ref unchanged (clipped to [-1, 1])."""

    name = "direct"

    def plan(self, obs: np.ndarray, a_ref: np.ndarray, ctx: StepContext) -> np.ndarray:
        a = np.asarray(a_ref, dtype=np.float64)
        if not np.all(np.isfinite(a)):
            raise ValueError("a_ref contains NaN or Inf; the experts produced an invalid action")
        return np.clip(a, -1.0, 1.0)


def knot_basis(horizon: int, num_knots: int) -> np.ndarray:
    """(H, K) matrix mapping K knot values to H linearly interpolated steps."""
    t = np.arange(horizon, dtype=np.float64)
    knots = np.linspace(0.0, horizon - 1, num_knots) if horizon > 1 else np.zeros(num_knots)
    basis = np.zeros((horizon, num_knots))
    for k in range(num_knots):
        e = np.zeros(num_knots)
        e[k] = 1.0
        basis[:, k] = np.interp(t, knots, e)
    return basis


def _published(ctx: StepContext | None, field: str, legacy_key: str) -> Any:
    """A typed field of the step context, else its 0.1 ``extras`` key (callers written before it)."""
    if ctx is None:
        return None
    value = getattr(ctx, field, None)
    return ctx.extras.get(legacy_key) if value is None else value


class MPPIPlanner(Planner):
    """Sampling MPC (MPPI) on copies of the simulator, seeded by the expert action a_ref.

    Args:
        reward_fn: batched task reward ``f(quantities) -> (N, H)``; ``None`` uses the task's own
            reward from ``mwx_sdk.envs.rewards``.
        **cfg: fields of :class:`MPPIConfig`; unset fields take the task family's defaults.
    """

    name = "mppi"

    def __init__(self, reward_fn: obj.RewardFn | None = None, **cfg: Any) -> None:
        self._overrides = dict(cfg)
        self.config = self._make_config(cfg.get("task"))  # validates early
        self._reward_override = reward_fn
        self.adapter: TaskAdapter | None = None
        self._roller: sim.BatchRoller | None = None
        self._model = None
        self._model_key: tuple | None = None
        self._env = None
        self._diag: dict[str, float] = {}
        self.last_costs: np.ndarray | None = None
        self.last_terms: dict[str, float] = {}
        self.last_reward: np.ndarray | None = None

    @property
    def wants_prior_horizon(self) -> int:
        """Steps of prior actions the planner reads from ``ctx.a_ref_horizon`` (H)."""
        return self.config.horizon

    @staticmethod
    def _resolve(task: str | None, options: Mapping[str, Any]) -> MPPIConfig:
        """The configuration for ``options`` on ``task`` (a ``task`` option wins)."""
        return MPPIConfig.for_task(options.get("task") or task, **{k: v for k, v in options.items() if k != "task"})

    @classmethod
    def settings(cls, task: str | None, **options: Any) -> dict[str, Any]:
        return asdict(cls._resolve(task, options))

    def _make_config(self, task: str | None) -> MPPIConfig:
        return self._resolve(task, self._overrides)

    # -- lifecycle --------------------------------------------------------------------------
    def reset(self, env: Any, ctx: StepContext) -> None:
        if env is None:
            raise ValueError("the mppi planner needs the environment: call reset(env, ctx) with the env")
        base = getattr(env, "unwrapped", env)
        if not hasattr(base, "model") or not hasattr(base, "data"):
            raise TypeError(f"{type(base).__name__} has no MuJoCo model/data; mppi plans on MuJoCo envs only")
        task = self._overrides.get("task") or sim.task_of(env)
        # an env may carry planner defaults for its model (HumanoidBench's mesh H1 plans with
        # self-collisions); the user's options still win
        env_defaults = dict(getattr(base, "planner_defaults", None) or {})
        self.config = cfg = self._resolve(task, {**env_defaults, **self._overrides})
        if self._reward_override is not None:
            self.adapter = None
            try:  # a known task still brings its sensors, which a custom reward may read
                sensors = task_adapter(cfg.task).sensors
            except ValueError:
                sensors = ()
        else:
            self.adapter = task_adapter(cfg.task)
            sensors = self.adapter.sensors
        path = Path(cfg.model_xml) if cfg.model_xml else sim.model_path_of(env)
        if path is None:
            raise ValueError(
                f"cannot find the MJCF file {type(base).__name__} was built from; pass model_xml=<path> "
                "to the mppi planner"
            )
        key = (str(path), cfg.planner_timestep, cfg.integrator, cfg.solver_iterations, cfg.ls_iterations,
               cfg.self_collision, cfg.threads, sensors)
        if key != self._model_key:
            self.close()
            self._model, self.layout = sim.build_planner_model(
                path, base.model, timestep=cfg.planner_timestep, integrator=cfg.integrator,
                iterations=cfg.solver_iterations, ls_iterations=cfg.ls_iterations, extra_sensors=sensors)
            if not cfg.self_collision:
                _floor_contacts_only(self._model)
            self._roller = sim.BatchRoller(self._model, cfg.threads)
            self._model_key = key
            # the compile (mesh hulls, the XML mirror on old mujoco) frees far more than it keeps
            trim_heap()
        if self.adapter is not None:
            self.adapter.bind_model(self._model)
            unknown = sorted(set(cfg.task_shaping) - set(self.adapter.shaping_names))
            if unknown:
                raise ValueError(
                    f"task {cfg.task!r} has no shaping term(s) {unknown}; its terms: "
                    f"{list(self.adapter.shaping_names) or 'none'}"
                )
        self._env = base
        env_dt = _control_dt(base, ctx)
        sub = env_dt / self._model.opt.timestep
        self.substeps = round(sub)
        if self.substeps < 1 or abs(sub - self.substeps) > 1e-6:
            raise ValueError(
                f"planner_timestep {self._model.opt.timestep} must divide the control period {env_dt}"
            )
        self.control_dt = env_dt
        self.nu = base.model.nu
        self.ctrlrange = base.model.actuator_ctrlrange.copy()
        self.noise_scale = 2.0 * cfg.noise_std * _noise_weights(
            [base.model.actuator(i).name for i in range(self.nu)], cfg.noise_weights)
        self.basis = knot_basis(cfg.horizon, cfg.num_knots)
        self.knot_times = np.linspace(0.0, cfg.horizon - 1, cfg.num_knots)
        self.residual = np.zeros((cfg.num_knots, self.nu))
        # one seed for the episode: the user's explicit seed, else the agent's (ctx.seed)
        seed = cfg.seed if "seed" in self._overrides or ctx is None or ctx.seed is None else int(ctx.seed)
        self.rng = np.random.default_rng(seed)
        self.target_speed = cfg.target_speed if cfg.target_speed is not None else 0.0
        self.trust = 1.0
        self._offset = float("nan")
        self._capture_ids = None
        if cfg.recovery_capture > 0:
            self._mj = sim._mujoco()
            self._capture_ids = _capture_ids(base.model)
        # the shove detector: the root's predicted horizontal velocity after the action taken
        self._watch = cfg.recovery_capture > 0 and cfg.recovery_surprise > 0
        if self._watch and int(base.model.jnt_type[0]) != int(self._mj.mjtJoint.mjJNT_FREE):
            raise ValueError("recovery_surprise needs a floating base (a free first joint); "
                             "set recovery_surprise=0")
        self._predicted_v = None
        self._surprise_sum = np.zeros(2)
        self.surprise = 0.0
        self._armed_until = -np.inf
        self._diag = {}

    def close(self) -> None:
        if self._roller is not None:
            self._roller.close()
        self._roller = None
        self._model_key = None

    def diagnostics(self) -> Mapping[str, float]:
        return dict(self._diag)

    # -- planning ---------------------------------------------------------------------------
    def _prior(self, a_ref: np.ndarray, ctx: StepContext) -> np.ndarray:
        H = self.config.horizon
        seq = _published(ctx, "a_ref_horizon", obj.A_REF_HORIZON_KEY)
        if seq is None:
            return np.tile(a_ref, (H, 1))
        seq = np.asarray(seq, dtype=np.float64)
        if seq.ndim != 2 or seq.shape[1] != self.nu or seq.shape[0] < 1:
            raise ValueError(f"ctx.a_ref_horizon must have shape (T, {self.nu}), got {seq.shape}")
        if seq.shape[0] < H:
            seq = np.concatenate([seq, np.repeat(seq[-1:], H - seq.shape[0], axis=0)])
        seq = np.clip(seq[:H], -1.0, 1.0)
        seq[0] = a_ref  # the fused a_ref of this step is the authority for now
        return seq

    def _shift(self) -> np.ndarray:
        """Residual knots of the previous plan advanced by one control step."""
        dense = self.basis @ self.residual
        t = np.minimum(self.knot_times + 1.0, self.config.horizon - 1)
        idx = np.arange(self.config.horizon, dtype=np.float64)
        return np.stack([np.interp(t, idx, dense[:, j]) for j in range(self.nu)], axis=1)

    def sample(self, prior: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Draw the residual knots (N, K, nu) and the clipped actions (N, H, nu)."""
        cfg = self.config
        nominal = (1.0 - cfg.prior_blend) * self._shift()
        noise = self.rng.normal(0.0, 1.0, size=(cfg.num_samples, cfg.num_knots, self.nu)) * self.noise_scale
        knots = nominal[None] + noise
        knots[0] = nominal
        knots[1] = 0.0
        actions = np.clip(prior[None] + np.einsum("hk,nku->nhu", self.basis, knots), -1.0, 1.0)
        return knots, actions

    def evaluate(self, state0: np.ndarray, warm: np.ndarray | None, actions: np.ndarray, prior: np.ndarray,
                 ctx: StepContext | None) -> tuple[np.ndarray, np.ndarray]:
        """Roll out ``actions`` (N, H, nu) from ``state0``; return costs (N,) and diverged mask (N,)."""
        ctrl = np.repeat(sim.action_to_ctrl(actions, self.ctrlrange), self.substeps, axis=1)
        state, sens = self._roller.run(state0, warm, ctrl)
        n = actions.shape[0]
        lay = self.layout
        vslice = slice(lay.qpos0 + lay.nq, lay.qpos0 + lay.nq + lay.nv)
        bad = obj.diverged(state, sens, float(state0[0]), self._model.opt.timestep, vslice, self.config.max_speed)
        pick = slice(self.substeps - 1, None, self.substeps)
        state, sens = state[:, pick], sens[:, pick]
        if bad.any():
            # Diverged rows are replaced by a healthy one so no NaN reaches the reward code.
            good_row = int(np.argmin(bad)) if not bad.all() else None
            state, sens = state.copy(), sens.copy()
            if good_row is None:
                return np.full(n, np.inf), bad
            state[bad], sens[bad] = state[good_row], sens[good_row]
        q = obj.quantities(sens, state, lay)
        consts = self.adapter.read_constants(self._env) if self.adapter is not None else {}
        reward = self._reward(q, consts)
        if reward.shape != actions.shape[:2]:
            raise ValueError(f"task reward returned shape {reward.shape}; expected {actions.shape[:2]}")
        ref = _published(ctx, "reference_qpos", obj.REFERENCE_QPOS_KEY)
        terms = obj.shaping_cost(q, actions, prior, self.config, target_speed=self.target_speed,
                                 reference_qpos=ref)
        if self.trust < 1.0:
            for k in self.config.recovery_terms:
                if k in terms:
                    terms[k] = terms[k] * self.trust
        terms |= self._task_shaping(q, consts)
        costs = obj.total_cost(reward, terms, self.config)
        costs[bad] = np.inf
        costs[~np.isfinite(costs)] = np.inf
        self.last_terms = {k: float(np.mean(v[~bad])) for k, v in terms.items()} if (~bad).any() else {}
        self.last_reward = reward
        return costs, bad | ~np.isfinite(costs)

    def _reward(self, q: Mapping[str, np.ndarray], consts: Mapping[str, Any]) -> np.ndarray:
        # goal, destination and the stage of stateful tasks are read now and held over the horizon
        if self.adapter is None:
            return np.asarray(self._reward_override(q), dtype=np.float64)
        return self.adapter.reward(q, consts)

    def _task_shaping(self, q: Mapping[str, np.ndarray], consts: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """The task's object-directed terms, weighted, under ``task.<name>`` keys."""
        weights = {k: w for k, w in self.config.task_shaping.items() if w}
        if self.adapter is None or not weights:
            return {}
        terms = self.adapter.shaping_terms(q, consts)
        return {f"task.{k}": w * terms[k] for k, w in weights.items()}

    def plan(self, obs: np.ndarray, a_ref: np.ndarray, ctx: StepContext) -> np.ndarray:
        if self._roller is None or self._env is None:
            raise RuntimeError("call reset(env, ctx) before plan()")
        t_start = time.perf_counter()
        a_ref = np.asarray(a_ref, dtype=np.float64).reshape(-1)
        if a_ref.shape[0] != self.nu:
            raise ValueError(f"a_ref has {a_ref.shape[0]} values; the env has {self.nu} actuators")
        if not np.all(np.isfinite(a_ref)):
            raise ValueError("a_ref contains NaN or Inf; the experts produced an invalid action")
        a_ref = np.clip(a_ref, -1.0, 1.0)
        prior = self._prior(a_ref, ctx)
        if self._watch:
            self._update_surprise()
        if self._capture_ids is not None:
            prior = self._let_go(prior)
        state0, warm = sim.get_state(self._env.model, self._env.data)
        knots, actions = self.sample(prior)
        costs, bad = self.evaluate(state0, warm, actions, prior, ctx)
        self.last_costs = costs
        ok = ~bad
        if not ok.any():
            self.residual[:] = 0.0
            action = prior[0].copy()
            best = mean = float("nan")
            ess = 0.0
        else:
            c = costs[ok]
            cmin = float(c.min())
            temp = self.config.temperature_scale * (float(np.median(c)) - cmin)
            temp = max(temp, 1e-9)
            w = np.exp(-(c - cmin) / temp)
            w /= w.sum()
            self.residual = np.einsum("n,nku->ku", w, knots[ok])
            action = np.clip(prior[0] + self.basis[0] @ self.residual, -1.0, 1.0)
            best, mean = cmin, float(c.mean())
            ess = float(1.0 / np.sum(w ** 2))
        self._diag = {
            "best_cost": best,
            "mean_cost": mean,
            "ess": ess,
            "ms": (time.perf_counter() - t_start) * 1e3,
            "n_diverged": float(bad.sum()),
        }
        # the object-directed shaping, apart from the task's return: each term's weighted cost
        # averaged over the samples and the horizon
        self._diag.update({k: v for k, v in self.last_terms.items() if k.startswith("task.")})
        if self._capture_ids is not None:
            self._diag["prior_trust"] = self.trust
            self._diag["capture_offset"] = self._offset
        if self._watch:
            self._diag["surprise"] = self.surprise
            self._predicted_v = self._predict_root_velocity(state0, warm, action)
        return action

    def _predict_root_velocity(self, state0: np.ndarray, warm: np.ndarray, action: np.ndarray) -> np.ndarray:
        """The planner model's horizontal root velocity one control step after ``action``."""
        ctrl = np.repeat(sim.action_to_ctrl(action[None, None], self.ctrlrange), self.substeps, axis=1)
        state, _ = self._roller.run(state0, warm, ctrl)
        v0 = self.layout.qpos0 + self.layout.nq
        return np.array(state[0, -1, v0:v0 + 2])

    def _update_surprise(self) -> None:
        """Leaky sum of the root velocity the planner model did not predict; arms the trigger."""
        cfg = self.config
        data = self._env.data
        leak = np.exp(-self.control_dt / cfg.surprise_time)
        err = np.zeros(2) if self._predicted_v is None else np.asarray(data.qvel[:2]) - self._predicted_v
        self._surprise_sum = leak * self._surprise_sum + err
        self.surprise = float(np.hypot(*self._surprise_sum))
        if self.surprise > cfg.recovery_surprise:
            self._armed_until = float(data.time) + cfg.recovery_window

    def capture_offset(self) -> float:
        """Horizontal distance (m) of the env's capture point from the feet's midpoint now.

        The capture point is the centre of mass moved ahead by ``capture_time`` times its
        velocity (relative to the ramped speed target when ``capture_relative``), as in the
        planner's ``capture`` term.
        """
        cfg = self.config
        model, data = self._env.model, self._env.data
        root, left, right = self._capture_ids
        # derived quantities only: nothing the physics reads is written
        self._mj.mj_subtreeVel(model, data)
        vel = np.array(data.subtree_linvel[root, :2])
        if cfg.capture_relative:
            ramp = 1.0 if cfg.speed_ramp == 0 else min(max(float(data.time) / cfg.speed_ramp, 0.0), 1.0)
            vel[0] -= self.target_speed * ramp
        cp = data.subtree_com[root, :2] + cfg.capture_time * vel
        mid = 0.5 * (data.site_xpos[left, :2] + data.site_xpos[right, :2])
        return float(np.hypot(*(cp - mid)))

    def _let_go(self, prior: np.ndarray) -> np.ndarray:
        """Scale the prior by the trust the capture point allows; keep the plan where it was."""
        cfg = self.config
        self._offset = off = self.capture_offset()
        goal = min(max(1.0 - (off - cfg.recovery_capture) / cfg.recovery_span, 0.0), 1.0)
        if self._watch and float(self._env.data.time) > self._armed_until:
            goal = 1.0  # no shove lately: an offset this large is the gait's own
        old = self.trust
        if goal < old:
            new = goal
        else:
            new = old + (goal - old) * self.control_dt / (cfg.recovery_time + self.control_dt)
        if new != old:
            # plan = trust * prior + residual: move the residual by what the prior's share
            # gives up or takes back, so the actions the plan holds do not jump
            idx = np.arange(cfg.horizon, dtype=np.float64)
            at_knots = np.stack([np.interp(self.knot_times, idx, prior[:, j]) for j in range(self.nu)], axis=1)
            self.residual += (old - new) * at_knots
            self.trust = new
        return prior if self.trust == 1.0 else self.trust * prior


def _capture_ids(model) -> tuple[int, int, int]:
    """Ids of the root body and the two foot sites the capture point is measured with."""
    mujoco = sim._mujoco()
    ids = []
    for kind, name in ((mujoco.mjtObj.mjOBJ_BODY, "pelvis"), (mujoco.mjtObj.mjOBJ_SITE, "left_foot"),
                       (mujoco.mjtObj.mjOBJ_SITE, "right_foot")):
        i = mujoco.mj_name2id(model, kind, name)
        if i < 0:
            raise ValueError(f"recovery_capture needs the robot's {name!r} "
                             f"{'body' if kind == mujoco.mjtObj.mjOBJ_BODY else 'site'}; set recovery_capture=0")
        ids.append(int(i))
    return ids[0], ids[1], ids[2]


def _noise_weights(names: list[str], weights: Mapping[str, float]) -> np.ndarray:
    """Per-actuator noise multipliers (the action range [-1, 1] spans 2 units: callers scale)."""
    out = np.ones(len(names))
    for i, name in enumerate(names):
        for pattern, mult in weights.items():
            if re.search(pattern, name or ""):
                out[i] = float(mult)
                break
    return out


def _floor_contacts_only(model) -> None:
    """Drop robot self-collisions; keep robot-world and world-world contacts.

    The robot is every body under the first body (the pelvis). Bits: robot (type 1, affinity 2),
    rest (type 2, affinity 3), so robot pairs never match and every other pair does.
    """
    robot = model.body_rootid[model.geom_bodyid] == 1
    collides = (model.geom_contype != 0) | (model.geom_conaffinity != 0)
    model.geom_contype[robot & collides] = 1
    model.geom_conaffinity[robot & collides] = 2
    model.geom_contype[~robot & collides] = 2
    model.geom_conaffinity[~robot & collides] = 3


def _control_dt(base: Any, ctx: StepContext | None) -> float:
    frame_skip = getattr(base, "frame_skip", None)
    if frame_skip:
        return float(frame_skip) * float(base.model.opt.timestep)
    dt = getattr(base, "dt", None)
    if isinstance(dt, (int, float)) and dt > 0:
        return float(dt)
    if ctx is not None and ctx.dt > 0:
        return float(ctx.dt)
    raise ValueError("cannot tell the env's control period: give it a frame_skip or dt attribute")
