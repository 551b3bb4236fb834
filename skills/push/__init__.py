"""Bundled skill ``push``: stand and push the target object toward the destination with one hand."""

from __future__ import annotations

import os

import numpy as np

from mwx_sdk import hookimpl
from mwx_sdk.interfaces import ExpertSpec, StepContext
from mwx_sdk.motion.expert import MotionPriorExpert, physics_data
from mwx_sdk.motion.object_directed import ArmAimer, hand_position

from .._prior import load_prior

DESCRIPTION = (
    "Push an object across a surface toward a destination with one hand while standing: bring "
    "the hand nearer the object to its far side from the destination, then press through it. "
    "Use it to push, slide, shove or nudge a box or an object on a table to a goal or a place. "
    "Needs a target object (and a destination, else it pushes straight ahead). Parameters: hand "
    "(left, right or nearest), offset (m behind the object's centre where the hand starts, "
    "default 0.12), press (m the hand presses past the object's near face, default 0.05). Its "
    "motion prior is the quiet standing of CMU capture 115_06 retargeted to the H1 (no pushing "
    "clip exists), with the pushing arm edited by inverse kinematics toward the object; the H1 "
    "has no fingers, so it pushes with the end of the forearm."
)


class PushExpert(MotionPriorExpert):
    """Stands on the standing prior and aims one arm behind the target object, then through it."""

    spec = ExpertSpec(name="push", description=DESCRIPTION, robot="h1", action_dim=19,
                      tags=("manipulation", "push", "hands", "arm", "object", "slide"))

    def __init__(self, hand: str = "nearest", offset: float = 0.12, press: float = 0.05,
                 prior: str | os.PathLike | None = None, **tracking) -> None:
        from mwx_skills import stand

        if not (0.0 < offset < 1.0) or not (0.0 <= press < offset):
            raise ValueError(f"push needs 0 < offset < 1 m and 0 <= press < offset, got offset={offset}, press={press}")
        tracking.setdefault("blend_in", 0.5)
        tracking.setdefault("capture_gain", 12.0)
        tracking.setdefault("capture_roll_gain", 3.0)
        super().__init__(load_prior(stand.__file__, prior), **tracking)
        self.offset, self.press = float(offset), float(press)
        self.arms = ArmAimer(self.clip.joint_names, hand=hand)
        self._pressing = False

    def reset(self, ctx: StepContext) -> None:
        super().reset(ctx)
        self.arms.reset()
        self._pressing = False

    def save_state(self) -> dict:
        return dict(super().save_state(), arms=self.arms.save_state(), pressing=self._pressing)

    def load_state(self, state: dict) -> None:
        super().load_state(state)
        self.arms.load_state(state["arms"])
        self._pressing = state["pressing"]

    def hand_point(self, data, model, target) -> np.ndarray:
        """Where the pushing hand goes now: behind the object, then through it once there."""
        obj = np.asarray(target.position, dtype=np.float64)
        if target.destination_position is not None:
            dest = np.asarray(target.destination_position, dtype=np.float64)
        else:  # no destination: straight ahead, away from the robot
            dest = obj + np.r_[obj[:2] - np.asarray(data.qpos[:2]), 0.0]
        u = dest[:2] - obj[:2]
        dist = float(np.linalg.norm(u))
        u = u / max(dist, 1e-6)
        behind = obj.copy()
        behind[:2] -= self.offset * u
        side = self.arms.side_for(data, model, behind)
        gap = float(np.linalg.norm(hand_position(data, model, side) - behind))
        # press once the hand is behind the object; go back behind it when the object slipped away
        self._pressing = gap < 0.05 if not self._pressing else gap < 0.12
        if self._pressing:
            through = obj.copy()
            through[:2] -= (self.offset - self.press - min(dist, 0.1)) * u
            return through
        return behind

    def act(self, obs: np.ndarray, ctx: StepContext) -> np.ndarray:
        a = super().act(obs, ctx)
        target = ctx.target
        data = physics_data(ctx)
        if target is None or data is None:
            return a
        model = ctx.env.model
        point = self.hand_point(data, model, target)
        return self.joints_to_action(self.arms.aim(self.action_to_joints(a), data, model, point))


@hookimpl
def register_experts(register):
    register(PushExpert, name="push")
