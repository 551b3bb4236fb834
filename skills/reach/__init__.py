"""Bundled skill ``reach``: bring a hand to a target point, squatting for low ones and stretching
for high ones; without a target, move both hands down towards the floor or up to chest height."""

from __future__ import annotations

import os

import numpy as np

from mwx_sdk import hookimpl
from mwx_sdk.interfaces import ExpertSpec, StepContext
from mwx_sdk.motion.expert import MotionPriorExpert, physics_data
from mwx_sdk.motion.object_directed import ArmAimer

from .._prior import load_prior, time_where

DESCRIPTION = (
    "Reach a point or an object with a hand: squat and stretch towards something near the floor, "
    "or straighten and lift the arm towards something high, then hold the hand there. Use it to "
    "reach, touch, point at, press or get a hand on a target, goal or object in front of the "
    "robot (walk near it first). With a target the hand goes to it; without one both hands go "
    "to a height. Parameters: hand (left, right or nearest, default nearest), target_height (m "
    "above the floor for the hands when there is no target, default 0.3 = near the floor; about "
    "0.25-1.2 m is reachable). Its motion prior is CMU capture 115_06 (subject 115, picking a "
    "box up, bending knees), 0.3-2.2 s, retargeted to the H1: the body's squat or stretch is "
    "taken from the frame whose hands are at the target's height, and the reaching arm is edited "
    "by inverse kinematics toward the target."
)


class ReachExpert(MotionPriorExpert):
    """Without a target, plays the reach-down or reach-up part of the prior until the hands reach
    ``target_height``. With a target (``ctx.target``), holds the prior's frame whose hands are at
    the target's height (moving to it at the capture's pace) and aims one arm at the target."""

    spec = ExpertSpec(name="reach", description=DESCRIPTION, robot="h1", action_dim=19,
                      tags=("manipulation", "reach", "hands", "arm", "grasp", "touch", "point"))

    def __init__(self, target_height: float = 0.3, hand: str = "nearest", prior: str | os.PathLike | None = None,
                 rate: float = 0.2, **tracking) -> None:
        clip = load_prior(__file__, prior)
        names = list(clip.keypoint_names)
        if clip.keypoints is None or "left_wrist" not in names:
            raise ValueError("the reach prior lacks wrist keypoints; rebuild it with scripts/build_priors.py")
        hands = 0.5 * (clip.keypoints[:, names.index("left_wrist"), 2] + clip.keypoints[:, names.index("right_wrist"), 2])
        lo, hi = float(hands.min()), float(hands.max())
        if not np.isfinite(target_height) or not lo - 0.1 <= target_height <= hi + 0.1:
            raise ValueError(f"target_height must be within {lo - 0.1:.2f}-{hi + 0.1:.2f} m, got {target_height}")
        if target_height <= hands[0]:
            a, b = clip.segments["reach_down"]
            start = 0.0
        else:
            a, b = clip.segments["rise"][0], clip.segments["reach_up"][1]
            # join the rise where the hands pass their standing height: the body is upright there
            start = time_where(clip, hands, float(hands[0]), a, b)
            a = round(start * clip.fps)
        self.target_height = float(target_height)
        end = time_where(clip, hands, target_height, a, b)
        tracking.setdefault("start_time", min(start, end))
        # the ankle strategy of the standing skill: a held reach is an inverted pendulum too
        tracking.setdefault("capture_gain", 12.0)
        tracking.setdefault("capture_roll_gain", 3.0)
        super().__init__(clip, loop=False, end_time=end, **tracking)
        # 0.2 rad per joint per step (10 rad/s, a quick human reach): the hand follows a goal
        # while the body walks and sways; at the aimer's default 0.08 it lagged (results/reach)
        if not rate > 0:
            raise ValueError(f"reach needs rate > 0 rad per step, got {rate}")
        self.arms = ArmAimer(clip.joint_names, hand=hand, rate=rate)
        # the frames a target selects from: down to the squat, and up from standing to the stretch
        down = np.arange(*clip.segments["reach_down"])
        rise = np.arange(clip.segments["rise"][0], clip.segments["reach_up"][1])
        rise = rise[hands[rise] >= hands[0]]
        self._frames = np.concatenate([down, rise])
        self._frame_heights = hands[self._frames]
        self._frame: float | None = None
        self._frame_step: int | None = None

    def reset(self, ctx: StepContext) -> None:
        super().reset(ctx)
        self.arms.reset()
        self._frame = self._frame_step = None

    def save_state(self) -> dict:
        return dict(super().save_state(), arms=self.arms.save_state(), frame=self._frame, frame_step=self._frame_step)

    def load_state(self, state: dict) -> None:
        super().load_state(state)
        self.arms.load_state(state["arms"])
        self._frame, self._frame_step = state["frame"], state["frame_step"]

    def frame_for(self, height: float) -> int:
        """The prior's frame whose hands are nearest ``height`` (squatting below the standing
        height, stretching above it)."""
        return int(self._frames[int(np.argmin(np.abs(self._frame_heights - height)))])

    def phase_time(self, ctx: StepContext) -> float:
        target = ctx.target
        if target is None:
            return super().phase_time(ctx)
        want = float(self.frame_for(float(target.position[2])))
        if self._frame is None:
            self._frame = float(self._frames[0])
        # move through the clip at the captured pace (one frame per frame period), either way,
        # once per control step: reference_qpos is read by the agent and by evaluations too
        if ctx.step != self._frame_step:
            step = ctx.dt * self.clip.fps
            self._frame += float(np.clip(want - self._frame, -step, step))
            self._frame_step = ctx.step
        return self._frame / self.clip.fps

    def act(self, obs: np.ndarray, ctx: StepContext) -> np.ndarray:
        a = super().act(obs, ctx)
        target = ctx.target
        data = physics_data(ctx)
        if target is None or data is None:
            return a
        joints = self.arms.aim(self.action_to_joints(a), data, ctx.env.model, target.position)
        return self.joints_to_action(joints)


@hookimpl
def register_experts(register):
    register(ReachExpert, name="reach")
