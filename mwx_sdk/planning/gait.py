"""GaitPrior: a hand-written phase-oscillator walking prior for the H1 (not a learned skill).

It exists so the ``mppi`` planner has a periodic stepping pattern to refine when no motion-prior
``walk`` expert is installed: joint targets oscillate around the standing pose, legs in
anti-phase, knees lift during swing, arms counter-swing. It knows nothing about balance; the
planner supplies that. Prefer ``get_expert("walk")`` when it is registered.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..interfaces import Expert, ExpertSpec, StepContext

# H1 actuator order (legs: hip_yaw, hip_roll, hip_pitch, knee, ankle; torso; arms: shoulder
# pitch, roll, yaw, elbow) and the standing pose of the HumanoidBench keyframe.
_STAND = np.array([0, 0, -0.4, 0.8, -0.4, 0, 0, -0.4, 0.8, -0.4, 0, 0, 0, 0, 0, 0, 0, 0, 0], dtype=np.float64)
_L_HIP, _L_KNEE, _L_ANKLE, _R_HIP, _R_KNEE, _R_ANKLE = 2, 3, 4, 7, 8, 9
_L_SHOULDER, _R_SHOULDER, _L_ELBOW, _R_ELBOW = 11, 15, 14, 18
# ctrlranges of the H1 position actuators, used when no env is at hand.
_H1_CTRLRANGE = np.array([
    [-0.43, 0.43], [-0.43, 0.43], [-3.14, 2.53], [-0.26, 2.05], [-0.87, 0.52],
    [-0.43, 0.43], [-0.43, 0.43], [-3.14, 2.53], [-0.26, 2.05], [-0.87, 0.52],
    [-2.35, 2.35],
    [-2.87, 2.87], [-0.34, 3.11], [-1.3, 4.45], [-1.25, 2.61],
    [-2.87, 2.87], [-3.11, 0.34], [-4.45, 1.3], [-1.25, 2.61],
])


@dataclass
class GaitPriorConfig:
    """Shape of the oscillator.

    Args:
        period: stride period (s), one left and one right step.
        hip_amplitude: hip-pitch swing amplitude (rad).
        knee_lift: extra knee flexion at mid-swing (rad).
        ankle_amplitude: ankle-pitch swing amplitude (rad), in phase with the hip.
        arm_amplitude: shoulder-pitch counter-swing amplitude (rad).
        elbow: elbow flexion held while walking (rad).
        lean: extra hip flexion of both legs (rad) that tilts the body forward.
        ramp: seconds over which the amplitudes grow from 0 after reset.
    """

    period: float = 0.8
    hip_amplitude: float = 0.35
    knee_lift: float = 0.6
    ankle_amplitude: float = 0.15
    arm_amplitude: float = 0.3
    elbow: float = 0.3
    lean: float = 0.1
    ramp: float = 1.0

    def __post_init__(self) -> None:
        if not self.period > 0:
            raise ValueError(f"GaitPriorConfig.period must be > 0 s, got {self.period}")
        if self.ramp < 0:
            raise ValueError(f"GaitPriorConfig.ramp must be >= 0 s, got {self.ramp}")
        for name in ("hip_amplitude", "knee_lift", "ankle_amplitude", "arm_amplitude"):
            if not 0 <= getattr(self, name) <= 1.5:
                raise ValueError(f"GaitPriorConfig.{name} must be in [0, 1.5] rad, got {getattr(self, name)}")


class GaitPrior(Expert):
    """Phase-oscillator walking prior (hand-written, not learned); actions in [-1, 1]^19.

    Args:
        **cfg: fields of :class:`GaitPriorConfig`.
    """

    spec = ExpertSpec(
        name="gait_prior",
        description="Hand-written stepping oscillator for the H1: a periodic walking pattern with no balance "
        "feedback, meant to be refined by a sampling planner.",
        robot="h1",
        action_dim=19,
        tags=("locomotion", "prior"),
    )

    def __init__(self, **cfg) -> None:
        self.config = GaitPriorConfig(**cfg)
        self.ctrlrange = _H1_CTRLRANGE.copy()

    def reset(self, ctx: StepContext) -> None:
        env = getattr(ctx.env, "unwrapped", ctx.env)
        model = getattr(env, "model", None)
        if model is not None and getattr(model, "nu", None) == 19:
            self.ctrlrange = np.asarray(model.actuator_ctrlrange, dtype=np.float64).copy()

    def joint_targets(self, t: np.ndarray | float) -> np.ndarray:
        """Joint targets (rad) at time(s) ``t`` (s); shape ``(*t.shape, 19)``."""
        c = self.config
        t = np.asarray(t, dtype=np.float64)
        amp = np.ones_like(t) if c.ramp == 0 else np.clip(t / c.ramp, 0.0, 1.0)
        phase = 2.0 * math.pi * t / c.period
        q = np.broadcast_to(_STAND, (*t.shape, 19)).copy()
        for hip, knee, ankle, shoulder, offset in ((_L_HIP, _L_KNEE, _L_ANKLE, _L_SHOULDER, 0.0),
                                                   (_R_HIP, _R_KNEE, _R_ANKLE, _R_SHOULDER, math.pi)):
            s = np.sin(phase + offset)
            # s > 0: this leg swings forward (more hip flexion = more negative hip pitch).
            q[..., hip] += -amp * (c.hip_amplitude * s + c.lean)
            q[..., knee] += amp * c.knee_lift * np.maximum(0.0, s) ** 2
            q[..., ankle] += amp * c.ankle_amplitude * s
            q[..., shoulder] += amp * c.arm_amplitude * s  # arm swings against its own leg
        q[..., _L_ELBOW] += c.elbow
        q[..., _R_ELBOW] += c.elbow
        return q

    def actions_at(self, t: np.ndarray | float) -> np.ndarray:
        """Actions in [-1, 1] that target :meth:`joint_targets` at time(s) ``t``."""
        lo, hi = self.ctrlrange[:, 0], self.ctrlrange[:, 1]
        return np.clip(2.0 * (self.joint_targets(t) - lo) / (hi - lo) - 1.0, -1.0, 1.0)

    def act(self, obs: np.ndarray, ctx: StepContext) -> np.ndarray:
        return self.actions_at(ctx.step * ctx.dt)

    def horizon(self, ctx: StepContext, steps: int) -> np.ndarray:
        """Actions for the next ``steps`` control steps, row 0 = now; shape (steps, 19)."""
        return self.actions_at((ctx.step + np.arange(steps)) * ctx.dt)

    def reference_qpos(self, ctx: StepContext) -> np.ndarray:
        return self.joint_targets(ctx.step * ctx.dt)
