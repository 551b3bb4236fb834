"""Example mwx plugin: an expert that waves the H1's right arm while standing."""

from __future__ import annotations

import numpy as np

from mwx_sdk import hookimpl
from mwx_sdk.interfaces import Expert, ExpertSpec, StepContext

# H1 joint order (HumanoidBench): 5 left-leg, 5 right-leg, torso, 4 left-arm, 4 right-arm.
_STAND = np.array(
    [0, 0, -0.4, 0.8, -0.4, 0, 0, -0.4, 0.8, -0.4, 0, 0, 0, 0, 0, 0, 0, 0, 0], dtype=np.float64
)
_RIGHT_SHOULDER_PITCH, _RIGHT_SHOULDER_ROLL, _RIGHT_ELBOW = 15, 16, 18
# Fallback control ranges (rad) when no environment is attached; an env's own ranges win.
_DEFAULT_RANGE = np.tile(np.array([[-1.6, 1.6]]), (19, 1))


class WaveExpert(Expert):
    """Wave the right arm while standing still (a greeting)."""

    spec = ExpertSpec(
        name="wave",
        description=(
            "Wave hello: stand still on both feet and wave the right arm above the shoulder. "
            "Use it to greet someone or to attract attention. Parameter: frequency in Hz."
        ),
        robot="h1",
        action_dim=19,
        tags=("gesture", "arm", "greeting"),
    )

    def __init__(self, frequency: float = 1.0, amplitude: float = 0.5) -> None:
        if frequency <= 0:
            raise ValueError(f"frequency must be positive, got {frequency}")
        self.frequency = float(frequency)
        self.amplitude = float(amplitude)
        self._range = _DEFAULT_RANGE

    def reset(self, ctx: StepContext) -> None:
        env = getattr(ctx.env, "unwrapped", ctx.env)
        model = getattr(env, "model", None)
        if model is not None and model.nu == 19:
            self._range = np.asarray(model.actuator_ctrlrange, dtype=np.float64)

    def reference_qpos(self, ctx: StepContext) -> np.ndarray:
        q = _STAND.copy()
        phase = 2 * np.pi * self.frequency * ctx.step * ctx.dt
        q[_RIGHT_SHOULDER_PITCH] = -1.2
        q[_RIGHT_SHOULDER_ROLL] = -0.6 + self.amplitude * np.sin(phase)
        q[_RIGHT_ELBOW] = 1.2
        return q

    def act(self, obs: np.ndarray, ctx: StepContext) -> np.ndarray:
        q = self.reference_qpos(ctx)
        lo, hi = self._range[:, 0], self._range[:, 1]
        return np.clip(2.0 * (q - lo) / (hi - lo) - 1.0, -1.0, 1.0)


@hookimpl
def register_experts(register):
    register(WaveExpert)
