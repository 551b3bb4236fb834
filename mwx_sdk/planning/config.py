"""Configuration of the sampling-MPC planner; each task states its own defaults (``Task.planning``)."""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field
from typing import Any

_INTEGRATORS = ("euler", "implicit", "implicitfast", "rk4")
#: the planner's own shaping terms (``objective.shaping_cost``), by name
SHAPING_TERMS = ("head", "upright", "pelvis_height", "capture", "speed", "lateral", "heading", "foot_spacing",
                 "force", "action", "pose")


@dataclass
class MPPIConfig:
    """Hyper-parameters of :class:`mwx_sdk.planning.MPPIPlanner`.

    Args:
        task: the task whose reward is maximised (``"stand"``, ``"walk"``, a plugin's task);
            ``None`` reads it from the environment.
        num_samples: sampled action sequences per control step (N).
        horizon: planning horizon in control steps (H).
        num_knots: knots of the piecewise-linear action sequence (K); 2 <= K <= H.
        noise_std: sampling noise, as a fraction of each actuator's control range.
        noise_weights: actuator-name regular expression -> multiplier of ``noise_std`` (first
            match wins). Quieter arms and torso keep actuator forces, and so the small-control
            reward, low without hurting balance.
        temperature_scale: the MPPI temperature is this times (median - min) of the costs.
        prior_blend: how far the shifted plan is pulled toward the prior a_ref each step (0..1).
        action_weight: lambda in lambda * ||a - a_ref||^2 (per step, mean over actuators).
        pose_weight: weight of tracking ``ctx.reference_qpos`` (joint angles only).
        gamma: discount over the horizon.
        head_weight: weight of max(0, head_target - head)^2.
        head_target: head height (m) below which the head term applies.
        upright_weight: weight of (1 - torso upright)^2.
        capture_weight: weight of the horizontal capture-point term
            ||(com + capture_time * com_vel) - feet midpoint||^2.
        capture_time: look-ahead (s) of the capture-point term.
        capture_relative: the capture point uses the velocity relative to the (ramped) forward
            speed target, so the term balances a walk instead of braking it.
        speed_weight: weight of (vx - target)^2 for locomotion tasks.
        target_speed: forward speed target (m/s) for locomotion tasks; ``None`` uses the task's.
        speed_ramp: seconds over which the speed target ramps up from 0 after reset.
        lateral_weight: weight of vy^2 for locomotion tasks.
        heading_weight: weight of the torso heading error (1 - cos yaw) for locomotion tasks.
        pelvis_height_target: pelvis (root) height (m) to hold; ``None`` leaves it free.
        pelvis_height_weight: weight of (pelvis z - pelvis_height_target)^2.
        foot_spacing: minimum horizontal distance (m) between the feet.
        foot_spacing_weight: weight of max(0, foot_spacing - distance)^2.
        force_weight: weight of mean (actuator force / 100)^2.
        reward_weight: weight of the task reward (cost = -reward_weight * reward + shaping).
        recovery_capture: capture-point offset (m) from the feet's midpoint beyond which the
            plan lets go of the prior: the prior's share of the plan (its "trust") falls from
            1 there to 0 at ``recovery_capture + recovery_span``, the plan staying continuous,
            and the pull toward a_ref fades with it. A skill's feedback holds its own pose; after
            a shove that pose is the wrong one (a step is needed) and the sampled residuals,
            a few percent of the actuator range, cannot outvote it. 0 = never let go.
        recovery_span: width (m) of the fade.
        recovery_time: time constant (s) with which the trust returns once the capture point
            is back over the feet.
        recovery_surprise: when > 0, the capture-point trigger is armed only after a
            disturbance the planner did not predict: the root's horizontal velocity minus what
            the planner model predicted for the action taken, summed over the last control
            steps with a leak of ``surprise_time``, exceeds this (m/s). A shove is outside the
            model and gives a large sum; a stumble of the gait is inside it and gives a small
            one, so a walk's own stumbles keep the prior while a shove lets go. The trigger
            stays armed for ``recovery_window`` seconds after the sum last exceeded it.
            0 = the capture point alone decides.
        surprise_time: leak time constant (s) of the summed prediction error.
        recovery_window: seconds the trigger stays armed after the last surprise.
        recovery_terms: objective terms scaled by the trust: the pull toward a_ref, and the
            locomotion targets a shoved walker must give up to catch itself (a sideways shove
            needs a sideways step, which the lateral term forbids).
        task_shaping: weight of each object-directed shaping term the task declares
            (``TaskAdapter.shaping``: ``hand_to_object``, ``object_to_goal`` ...); terms left
            out or weighted 0 are not computed.
        planner_timestep: physics step (s) of the planner model; ``None`` keeps the env's.
        integrator: integrator of the planner model; ``None`` keeps the env's.
        solver_iterations: solver iterations of the planner model; ``None`` keeps the env's.
        ls_iterations: line-search iterations of the planner model; ``None`` keeps the env's.
        self_collision: keep robot self-collisions in the planner model (off is ~2x faster).
        threads: rollout threads (the native pool releases the GIL).
        seed: seed of the planner's own sampling generator.
        model_xml: MJCF the env was built from; ``None`` asks the env.
        max_speed: a rollout whose |qvel| exceeds this is treated as diverged.
    """

    task: str | None = None
    num_samples: int = 16
    horizon: int = 15
    num_knots: int = 3
    noise_std: float = 0.06
    noise_weights: dict[str, float] = field(default_factory=lambda: {"shoulder|elbow|torso": 0.25})
    temperature_scale: float = 0.3
    prior_blend: float = 0.02
    action_weight: float = 0.05
    pose_weight: float = 0.0
    gamma: float = 1.0
    head_weight: float = 10.0
    head_target: float = 1.65
    upright_weight: float = 5.0
    capture_weight: float = 20.0
    capture_time: float = 0.3
    capture_relative: bool = False
    speed_weight: float = 0.0
    target_speed: float | None = None
    speed_ramp: float = 1.0
    lateral_weight: float = 0.0
    heading_weight: float = 0.0
    pelvis_height_target: float | None = None
    pelvis_height_weight: float = 0.0
    foot_spacing: float = 0.15
    foot_spacing_weight: float = 20.0
    force_weight: float = 0.01
    reward_weight: float = 1.0
    recovery_capture: float = 0.0
    recovery_span: float = 0.1
    recovery_time: float = 1.0
    recovery_surprise: float = 0.0
    surprise_time: float = 0.1
    recovery_window: float = 1.0
    recovery_terms: tuple[str, ...] = ("action",)
    task_shaping: dict[str, float] = field(default_factory=dict)
    planner_timestep: float | None = 0.01
    integrator: str | None = "implicitfast"
    solver_iterations: int | None = 4
    ls_iterations: int | None = 8
    self_collision: bool = False
    threads: int = 2
    seed: int = 0
    model_xml: str | None = None
    max_speed: float = 100.0
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        def need(cond: bool, msg: str) -> None:
            if not cond:
                raise ValueError(f"MPPIConfig: {msg}")

        need(int(self.num_samples) >= 2, f"num_samples must be >= 2, got {self.num_samples}")
        need(int(self.horizon) >= 1, f"horizon must be >= 1, got {self.horizon}")
        need(2 <= int(self.num_knots) <= max(2, int(self.horizon)),
             f"num_knots must be in [2, horizon], got {self.num_knots} with horizon {self.horizon}")
        need(0.0 <= self.noise_std <= 1.0, f"noise_std is a fraction of the range in [0, 1], got {self.noise_std}")
        for pattern, mult in dict(self.noise_weights).items():
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"MPPIConfig: noise_weights key {pattern!r} is not a regular expression: {exc}") from exc
            need(math.isfinite(mult) and mult >= 0, f"noise_weights[{pattern!r}] must be >= 0, got {mult}")
        need(self.temperature_scale > 0, f"temperature_scale must be > 0, got {self.temperature_scale}")
        need(0.0 <= self.prior_blend <= 1.0, f"prior_blend must be in [0, 1], got {self.prior_blend}")
        need(0.0 < self.gamma <= 1.0, f"gamma must be in (0, 1], got {self.gamma}")
        need(int(self.threads) >= 1, f"threads must be >= 1, got {self.threads}")
        need(self.speed_ramp >= 0, f"speed_ramp must be >= 0, got {self.speed_ramp}")
        need(self.max_speed > 0, f"max_speed must be > 0, got {self.max_speed}")
        terms = (self.recovery_terms,) if isinstance(self.recovery_terms, str) else self.recovery_terms
        self.recovery_terms = tuple(str(t) for t in terms)
        unknown = sorted(set(self.recovery_terms) - set(SHAPING_TERMS))
        need(not unknown, f"recovery_terms {unknown} are not objective terms; known: {', '.join(SHAPING_TERMS)}")
        need(math.isfinite(self.surprise_time) and self.surprise_time > 0,
             f"surprise_time must be a finite number > 0, got {self.surprise_time}")
        need(math.isfinite(self.recovery_span) and self.recovery_span > 0,
             f"recovery_span must be a finite number > 0, got {self.recovery_span}")
        for name in ("action_weight", "pose_weight", "head_weight", "upright_weight", "capture_weight",
                     "speed_weight", "lateral_weight", "heading_weight", "foot_spacing_weight",
                     "force_weight", "reward_weight", "capture_time", "foot_spacing",
                     "pelvis_height_weight", "recovery_capture", "recovery_time", "recovery_surprise",
                     "recovery_window"):
            val = getattr(self, name)
            need(math.isfinite(val) and val >= 0, f"{name} must be a finite number >= 0, got {val}")
        for term, w in dict(self.task_shaping).items():
            need(isinstance(w, (int, float)) and math.isfinite(w) and w >= 0,
                 f"task_shaping[{term!r}] must be a finite number >= 0, got {w!r}")
        self.task_shaping = {str(k): float(v) for k, v in dict(self.task_shaping).items()}
        need(self.pelvis_height_target is None or (math.isfinite(self.pelvis_height_target)
                                                   and self.pelvis_height_target > 0),
             f"pelvis_height_target must be > 0 or None, got {self.pelvis_height_target}")
        need(self.planner_timestep is None or self.planner_timestep > 0,
             f"planner_timestep must be > 0 or None, got {self.planner_timestep}")
        need(self.integrator is None or self.integrator in _INTEGRATORS,
             f"integrator must be one of {_INTEGRATORS} or None, got {self.integrator!r}")
        need(self.solver_iterations is None or int(self.solver_iterations) >= 1,
             f"solver_iterations must be >= 1 or None, got {self.solver_iterations}")
        self.num_samples, self.horizon, self.num_knots = int(self.num_samples), int(self.horizon), int(self.num_knots)
        self.threads, self.seed = int(self.threads), int(self.seed)

    @classmethod
    def for_task(cls, task: Any, **overrides: Any) -> MPPIConfig:
        """The task's defaults (:attr:`mwx_sdk.task.Task.planning`), with ``overrides`` applied on top.

        Args:
            task: a :class:`~mwx_sdk.task.Task`, a task name or id, or ``None``; an unknown or
                missing task plans with this class's own defaults (those of standing).
            **overrides: field values that replace the defaults.

        Returns:
            A validated config.
        """
        from mwx_sdk.task import Task, UnknownTaskError, get_task

        known = {f.name for f in dataclasses.fields(cls)}
        bad = sorted(set(overrides) - known)
        if bad:
            raise TypeError(f"unknown MPPI option(s) {bad}; valid options: {sorted(known)}")
        task_obj = task if isinstance(task, Task) else None
        if task_obj is None and task:
            try:
                task_obj = get_task(task)
            except UnknownTaskError:
                task_obj = None
        base: dict[str, Any] = task_obj.mppi_defaults() if task_obj is not None else {}
        base.update(overrides)
        base.setdefault("task", task_obj.name if task_obj is not None else task)
        return cls(**base)
