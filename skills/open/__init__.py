"""Bundled skill ``open``: stand at a door, turn its handle with one hand and pull or push the door open."""

from __future__ import annotations

import os

import numpy as np

from mwx_sdk import hookimpl
from mwx_sdk.interfaces import ExpertSpec, StepContext
from mwx_sdk.motion.expert import MotionPriorExpert, physics_data
from mwx_sdk.motion.object_directed import ArmAimer, hand_position

from .._prior import load_prior

DESCRIPTION = (
    "Open a door by its handle while standing in front of it: put one hand on the handle's "
    "lever, press the lever down to turn the handle and free the latch, then pull the door "
    "toward the robot with the hand hooked on the lever, or push it away on the lever. Use it to "
    "open, unlatch, pull or push a door, a gate or a hatch, or to turn a handle or a lever. Needs "
    "a target door or handle (a door scene that publishes its handle is used through it). "
    "Parameters: hand (left, right or nearest, default left), swing (pull, push, or auto: the "
    "scene's door_swing, else pull), pull (m the hand moves the lever toward the robot, or away "
    "from it when pushing, once the handle is turned; default 0.15), turn (rad of handle turn "
    "before pulling or pushing, default 0.9). Its motion "
    "prior is the quiet standing of CMU capture 115_06 retargeted to the H1 (no door-opening "
    "clip exists), with the working arm edited by inverse kinematics onto the lever; the H1 has "
    "no fingers, so it presses and hooks the lever with the end of the forearm."
)

#: The working point on the lever in the handle's frame (HumanoidBench's door: x toward the far
#: side of the door, the inside lever 0.141 m in front of the handle's centre, pointing to -y at
#: zero turn): 0.08 m along the lever, nearer the axis than its free end so that a hand sliding
#: along it stays on it, and a little toward the door so the forearm's end lies on and behind
#: the lever rather than slipping off its front.
GRIP = (-0.105, -0.08, 0.0)
#: How far above the lever (handle frame z) the hand comes down from, and where it presses to.
ABOVE, PRESS = 0.08, 0.02
#: Integral gain (per control step) and bound (m) of the aim's correction: the arm sags under its
#: own weight and the lever pushes the hand back.
SAG_GAIN, SAG_LIMIT = 0.05, 0.08


def _rotation(quat: np.ndarray) -> np.ndarray:
    w, x, y, z = (float(v) for v in quat)
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                     [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                     [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]])


def _lever_points(pos: np.ndarray, rot: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The working point on the lever, the point above it the hand comes down from, and the
    point it presses to, for a handle at ``pos`` with rotation ``rot``."""
    grip = pos + rot @ np.asarray(GRIP)
    return grip, grip + rot @ np.array([0.0, 0.0, ABOVE]), grip + rot @ np.array([0.0, 0.0, PRESS])


class OpenExpert(MotionPriorExpert):
    """Stands on the standing prior and works a door handle with one arm aimed by IK: onto the
    lever, down (turning the handle), then toward the robot (pulling the door) or away from it
    (pushing a door that swings away: ``swing``, or the scene's ``door_swing``)."""

    spec = ExpertSpec(name="open", description=DESCRIPTION, robot="h1", action_dim=19,
                      tags=("manipulation", "open", "door", "handle", "pull", "lever", "hands", "arm"))

    def __init__(self, hand: str = "left", pull: float = 0.15, turn: float = 0.9, swing: str = "auto",
                 prior: str | os.PathLike | None = None, **tracking) -> None:
        from mwx_skills import stand

        if not (0.0 <= pull <= 0.5) or not (0.0 < turn < 2.0):
            raise ValueError(f"open needs 0 <= pull <= 0.5 m and 0 < turn < 2 rad, got pull={pull}, turn={turn}")
        if swing not in ("auto", "pull", "push"):
            raise ValueError(f"open's swing is 'pull', 'push' or 'auto', got {swing!r}")
        self.swing = swing
        tracking.setdefault("blend_in", 0.5)
        tracking.setdefault("capture_gain", 12.0)
        tracking.setdefault("capture_roll_gain", 3.0)
        super().__init__(load_prior(stand.__file__, prior), **tracking)
        self.pull, self.turn = float(pull), float(turn)
        self.arms = ArmAimer(self.clip.joint_names, hand=hand, rate=0.04)
        self.pushing = swing == "push"  # settled against the scene at reset when ``swing`` is auto
        self.stage = "reach"
        self._bias, self._bias_stage = np.zeros(3), "reach"

    def reset(self, ctx: StepContext) -> None:
        super().reset(ctx)
        self.arms.reset()
        env = getattr(ctx.env, "unwrapped", ctx.env)
        self.pushing = self.swing == "push" or (self.swing == "auto" and getattr(env, "door_swing", "pull") == "push")
        self.stage = "reach"
        self._bias, self._bias_stage = np.zeros(3), "reach"

    def save_state(self) -> dict:
        return dict(super().save_state(), arms=self.arms.save_state(), stage=self.stage,
                    bias=self._bias.copy(), bias_stage=self._bias_stage)

    def load_state(self, state: dict) -> None:
        super().load_state(state)
        self.arms.load_state(state["arms"])
        self.stage, self._bias, self._bias_stage = state["stage"], state["bias"].copy(), state["bias_stage"]

    @staticmethod
    def handle_pose(ctx: StepContext) -> tuple[np.ndarray, np.ndarray] | None:
        """World position and rotation matrix of the handle: the target when it is the handle,
        else the scene's ``handle`` object, else the target itself (its orientation, or upright)."""
        target = ctx.target
        env = getattr(ctx.env, "unwrapped", ctx.env)
        pose = None
        if target is not None and target.name == "handle":
            pose = (target.position, target.orientation)
        elif env is not None and "handle" in (getattr(env, "scene_objects", None) or ()):
            pose = env.object_pose("handle")
        elif target is not None:
            pose = (target.position, target.orientation)
        if pose is None:
            return None
        pos, quat = pose
        rot = np.eye(3) if quat is None else _rotation(np.asarray(quat, dtype=np.float64))
        return np.asarray(pos, dtype=np.float64), rot

    def hand_point(self, data, model, pos: np.ndarray, rot: np.ndarray) -> np.ndarray:
        """Where the working hand goes now: above the lever, down on it (turning the handle),
        then, turned, toward the robot (pulling the door) or away from it (pushing it)."""
        grip, above, press = _lever_points(pos, rot)
        side = self.arms.side_for(data, model, grip)
        hand = hand_position(data, model, side)
        # the handle's turn: the lever's direction (the frame's -y) against the door's horizontal
        lever = -rot[:, 1]
        turned = float(np.arctan2(-lever[2], np.hypot(lever[0], lever[1])))
        # come in from above and in front of the lever: a hand coming straight at it from the
        # arm's rest pose ends up under it
        before = above + rot @ np.array([-0.1, 0.0, 0.05])
        if self.stage == "reach" and np.linalg.norm(hand - before) < 0.05:
            self.stage = "over"
        elif self.stage == "over" and (np.linalg.norm(hand - above) < 0.04 or turned > 0.3):
            self.stage = "turn"  # over the lever, or already pressing it down
        elif self.stage in ("turn", "pull") and np.linalg.norm(hand - grip) > 0.15:
            self.stage = "reach"  # the hand slipped off the lever: come back over it
        if self.stage == "turn" and turned >= self.turn:
            self.stage = "pull"
        if self.stage == "reach":
            return before
        if self.stage == "over":
            return above
        if self.stage == "turn":
            return press
        return self._swing(press, rot)

    def swing_point(self, pos: np.ndarray, rot: np.ndarray) -> np.ndarray:
        """Where the hand goes once the handle is turned: from the press point along the door's
        normal, toward the robot to pull, away from it to push."""
        return self._swing(_lever_points(pos, rot)[2], rot)

    def _swing(self, press: np.ndarray, rot: np.ndarray) -> np.ndarray:
        return press + (self.pull if self.pushing else -self.pull) * rot[:, 0]

    def act(self, obs: np.ndarray, ctx: StepContext) -> np.ndarray:
        a = super().act(obs, ctx)
        data = physics_data(ctx)
        pose = self.handle_pose(ctx) if data is not None else None
        if pose is None:
            return a
        model = ctx.env.model
        point = self.hand_point(data, model, *pose)
        # the weak arm sags under its own weight and the lever pushes the hand back: aim past the
        # point by the integrated error (its horizontal part restarts with each stage, so a lag
        # while moving does not carry into the press), as far as SAG_LIMIT
        hand = hand_position(data, model, self.arms.side_for(data, model, point))
        if self.stage != self._bias_stage:
            self._bias[:2] = 0.0
            self._bias_stage = self.stage
        self._bias = np.clip(self._bias + SAG_GAIN * (point - hand), -SAG_LIMIT, SAG_LIMIT)
        # never toward the door (but to push it): a hand pressed into it pushes the robot back
        # until it falls
        n = pose[1][:, 0]
        if not (self.pushing and self.stage == "pull"):
            self._bias -= max(0.0, float(self._bias @ n)) * n
        point = point + self._bias
        return self.joints_to_action(self.arms.aim(self.action_to_joints(a), data, model, point))


@hookimpl
def register_experts(register):
    register(OpenExpert, name="open")
