"""``MotionPriorExpert``: an expert that tracks a retargeted reference clip by phase.

At each control step the expert reads the clip at its phase time and outputs the reference
joint positions as actions (the inverse of the env's affine map ``ctrl = lo + (a+1)/2 (hi-lo)``
over each actuator's ctrlrange). The phase time advances with the episode's control steps:

    t = start_time + (ctx.step - step_at_reset) * ctx.dt * speed

wrapping when the clip loops, holding the last frame of a one-shot clip. Optional feedback
terms read the physics state through ``ctx.env.unwrapped.data`` (skipped when ``ctx.env`` is
``None``):

- balance: torso pitch / roll errors against the reference root orientation are added to the
  hip and ankle pitch joints (pitch) and to the hip roll joints (roll);
- capture point: the offset of the capture point ``com + capture_time * v_pelvis`` from the
  midpoint of the feet, in the heading frame, is added to both ankle pitch joints (forward) and
  both hip roll joints (sideways) -- the ankle strategy of human quiet standing, which turns a
  held pose (an inverted pendulum that slowly topples) into one that stays up;
- heading: the yaw error to a requested heading is added to both hip yaw joints, which turns
  the gait while walking;
- blend-in: the first ``blend_in`` seconds interpolate from the pose at reset to the reference,
  so switching experts does not jerk the robot.

The router feature (``embedding``) is the mean over the clip of :func:`reference_feature`:
joint positions in actuator order followed by the root (pelvis) height, ``J + 1`` numbers.
:func:`state_feature` computes the same feature from a physics state.
:meth:`MotionPriorExpert.reference_features` gives the feature of every frame the expert plays,
for routers that compare the state with the nearest reference state instead of the mean.

This module names no concrete skill; skills subclass it with their clip and description.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..interfaces import Expert, ExpertSpec, StepContext
from .clip import Clip, load_clip
from .rotations import quat_roll_pitch, quat_yaw

__all__ = ["MotionPriorConfig", "MotionPriorExpert", "physics_data", "reference_feature", "state_feature"]


def reference_feature(joint_pos: np.ndarray, root_height: np.ndarray) -> np.ndarray:
    """Router feature of reference states: ``[joint positions..., root height]`` (``(..., J+1)``)."""
    jp = np.asarray(joint_pos, dtype=np.float64)
    h = np.asarray(root_height, dtype=np.float64)[..., None]
    return np.concatenate([jp, h], axis=-1)


def state_feature(qpos: np.ndarray, num_joints: int = 19) -> np.ndarray:
    """Router feature of a floating-base state ``qpos`` (root pos, root quat, joints...)."""
    q = np.asarray(qpos, dtype=np.float64)
    return reference_feature(q[..., 7 : 7 + num_joints], q[..., 2])


def physics_data(ctx: StepContext | None) -> Any:
    """The ``MjData`` behind ``ctx.env`` (unwrapping gymnasium wrappers), or ``None``."""
    env = getattr(ctx, "env", None)
    if env is None:
        return None
    inner = getattr(env, "unwrapped", env)
    return getattr(inner, "data", None)


def _physics_model(ctx: StepContext | None) -> Any:
    env = getattr(ctx, "env", None)
    if env is None:
        return None
    return getattr(getattr(env, "unwrapped", env), "model", None)


@dataclass
class MotionPriorConfig:
    """Tracking settings of a :class:`MotionPriorExpert`.

    Args:
        speed: playback rate of the clip (1 = as captured; 0 freezes the phase).
        start_time: clip time (s) at reset.
        loop: play cyclically; ``None`` uses the clip's own flag.
        end_time: one-shot clips stop (and hold) at this clip time; ``None`` = the last frame.
        loop_start: looping clips wrap back to this clip time (s), so a clip can play a lead-in
            once (e.g. picking a box up) and then loop its tail (walking with it).
        balance_pitch_gain: rad added to hip pitch per rad of torso pitch error.
        balance_ankle_gain: rad added to ankle pitch per rad of torso pitch error.
        balance_roll_gain: rad added to hip roll per rad of torso roll error.
        capture_gain: rad added to both ankle pitch joints per m of forward capture-point
            offset from the feet midpoint (positive tips the toes down, pushing the body back).
        capture_roll_gain: rad added to both hip roll joints per m of sideways offset.
        capture_time: look-ahead (s) of the capture point (about sqrt(com height / g)).
        heading: desired world heading (rad) or ``None`` for no heading correction.
        heading_gain: rad of hip yaw per rad of heading error (clipped to +-0.3 rad).
        blend_in: seconds to blend from the pose at reset into the reference.
        arm_swing: scale of the arm joints' (shoulders, elbows) motion about their mean over
            the clip: 1 plays it as captured, 0 holds the arms still at that mean pose. A
            swinging arm needs actuator force, which the small-control factor of some task
            rewards charges for. The mean is taken over the whole clip.
    """

    speed: float = 1.0
    start_time: float = 0.0
    loop: bool | None = None
    end_time: float | None = None
    loop_start: float = 0.0
    balance_pitch_gain: float = 0.0
    balance_ankle_gain: float = 0.0
    balance_roll_gain: float = 0.0
    capture_gain: float = 0.0
    capture_roll_gain: float = 0.0
    capture_time: float = 0.3
    heading: float | None = None
    heading_gain: float = 0.5
    blend_in: float = 0.2
    arm_swing: float = 1.0

    def __post_init__(self) -> None:
        for name in ("speed", "start_time", "blend_in", "heading_gain", "loop_start", "capture_time",
                     "arm_swing"):
            v = float(getattr(self, name))
            if not np.isfinite(v) or v < 0:
                raise ValueError(f"{name} must be a finite number >= 0, got {getattr(self, name)}")
        for name in ("balance_pitch_gain", "balance_ankle_gain", "balance_roll_gain", "capture_gain",
                     "capture_roll_gain"):
            if not np.isfinite(float(getattr(self, name))):
                raise ValueError(f"{name} must be finite")
        if self.end_time is not None and self.end_time < 0:
            raise ValueError(f"end_time must be >= 0, got {self.end_time}")
        if self.heading is not None and not np.isfinite(self.heading):
            raise ValueError("heading must be finite (radians) or None")


def _index(names: tuple[str, ...], *wanted: str) -> np.ndarray:
    return np.array([names.index(n) for n in wanted if n in names], dtype=int)


class MotionPriorExpert(Expert):
    """Tracks a motion clip by phase and outputs its joint targets as actions in [-1, 1].

    Args:
        clip: a :class:`~mwx_sdk.motion.clip.Clip` or the path of a clip file.
        name: registry name for the spec (defaults to the subclass's spec name).
        description: text for a VLM (defaults to the subclass's spec description).
        tags: keywords for lexical scoring.
        **tracking: fields of :class:`MotionPriorConfig` (``speed``, ``heading``, ...).
    """

    spec = ExpertSpec(
        name="motion_prior",
        description="Plays a retargeted human motion clip as joint position targets.",
        robot="h1",
        action_dim=19,
    )

    def __init__(
        self,
        clip: Clip | str | os.PathLike,
        *,
        name: str | None = None,
        description: str | None = None,
        tags: tuple[str, ...] | None = None,
        **tracking: Any,
    ) -> None:
        self.clip = clip if isinstance(clip, Clip) else load_clip(Path(clip))
        self.config = MotionPriorConfig(**tracking)
        base = type(self).spec
        self.spec = ExpertSpec(
            name=name or base.name,
            description=description or base.description,
            robot=self.clip.robot,
            action_dim=self.clip.num_joints,
            obs_dim=None,
            tags=tuple(tags) if tags is not None else base.tags,
        )
        names = self.clip.joint_names
        self._hip_pitch = _index(names, "left_hip_pitch", "right_hip_pitch")
        self._ankle = _index(names, "left_ankle", "right_ankle")
        self._hip_roll = _index(names, "left_hip_roll", "right_hip_roll")
        self._hip_yaw = _index(names, "left_hip_yaw", "right_hip_yaw")
        self._arms = np.array([i for i, n in enumerate(names) if "shoulder" in n or "elbow" in n], dtype=int)
        self._arm_mean = self.clip.joint_pos[:, self._arms].mean(axis=0)
        rng = self.clip.joint_range
        if rng is None:
            rng = np.stack([self.clip.joint_pos.min(0) - 0.5, self.clip.joint_pos.max(0) + 0.5], axis=1)
        self._lo, self._hi = rng[:, 0].copy(), rng[:, 1].copy()
        self._model_key: int | None = None
        self._perm: np.ndarray | None = None
        self._root: tuple[int, int, int] | None = None  # root body, its dof and qpos addresses
        self._feet: tuple[int, int] | None = None
        self._step0 = 0
        self._last_step = -1
        self._q_start: np.ndarray | None = None
        self._embedding = reference_feature(self.clip.joint_pos, self.clip.root_pos[:, 2]).mean(axis=0)

    # -- phase ---------------------------------------------------------------------------------
    @property
    def loop(self) -> bool:
        return self.clip.loop if self.config.loop is None else bool(self.config.loop)

    def phase_time(self, ctx: StepContext) -> float:
        """Clip time (s) of the control step in ``ctx``."""
        self._step0 = min(self._step0, ctx.step)  # a new episode started without reset()
        t = self.config.start_time + (ctx.step - self._step0) * ctx.dt * self.config.speed
        if self.loop:
            a = self._loop_start()
            if t >= self.clip.duration:
                t = a + (t - a) % (self.clip.duration - a)
        else:
            end = self.clip.duration - 1.0 / self.clip.fps
            if self.config.end_time is not None:
                end = min(end, self.config.end_time)
            t = min(t, end)
        return t

    def _loop_start(self) -> float:
        """Clip time a looping clip wraps back to (kept at least two frames before the end)."""
        return min(self.config.loop_start, self.clip.duration - 2.0 / self.clip.fps)

    @property
    def cycle_seconds(self) -> float | None:
        """Seconds of one played cycle of a looping clip (``None`` for one-shot or frozen clips)."""
        if not self.loop or self.config.speed <= 0:
            return None
        return (self.clip.duration - self._loop_start()) / self.config.speed

    def phase(self, ctx: StepContext) -> float:
        """Phase in [0, 1): fraction of the clip played."""
        t = self.phase_time(ctx)
        return float((t % self.clip.duration) / self.clip.duration)

    def finished(self, ctx: StepContext) -> bool:
        """True once a one-shot clip has reached its end (never for looping clips)."""
        if self.loop:
            return False
        end = self.clip.duration - 1.0 / self.clip.fps
        if self.config.end_time is not None:
            end = min(end, self.config.end_time)
        raw = self.config.start_time + (ctx.step - self._step0) * ctx.dt * self.config.speed
        return raw >= end

    # -- Expert API ----------------------------------------------------------------------------
    def reset(self, ctx: StepContext) -> None:
        self._step0 = ctx.step
        data = physics_data(ctx)
        self._q_start = None
        if data is not None:
            self._bind(ctx)
            qpos = np.asarray(data.qpos)
            if self._perm is not None:
                self._q_start = qpos[self._perm].copy()

    def reference_qpos(self, ctx: StepContext) -> np.ndarray:
        """Reference joint positions (actuator order) at the current phase, no feedback."""
        return self.reference_state(ctx)["joint_pos"]

    def reference_state(self, ctx: StepContext) -> dict[str, np.ndarray]:
        """Reference ``joint_pos``, ``joint_vel``, ``root_pos``, ``root_quat`` at the current phase."""
        # with a lead-in the wrap is done by phase_time, so the clip itself must not wrap
        wrap = self.loop and self.config.loop_start <= 0
        ref = self.clip.sample(self.phase_time(ctx), loop=wrap)
        s = self.config.arm_swing
        if s != 1.0 and self._arms.size:
            pos, vel = ref["joint_pos"].copy(), ref["joint_vel"].copy()
            pos[self._arms] = self._arm_mean + s * (pos[self._arms] - self._arm_mean)
            vel[self._arms] *= s
            ref = dict(ref, joint_pos=pos, joint_vel=vel)
        return ref

    def embedding(self) -> np.ndarray:
        """Mean reference feature ``[joint positions..., root height]`` over the clip."""
        return self._embedding.copy()

    def reference_features(self) -> np.ndarray:
        """Router feature of each distinct frame the expert plays, shape ``(F, J + 1)``.

        A gait's mean pose is one it never passes through; a router that measures the state's
        distance to the nearest of these frames keeps a gait's weight through the whole stride.
        The frames are the played part of the clip (from the loop start, or between start and
        end time of a one-shot clip), with the arm swing applied; repeated frames (a held pose)
        are kept once.
        """
        c = self.config
        n = self.clip.num_frames
        if self.loop:
            first = round(self._loop_start() * self.clip.fps) if c.loop_start > 0 else 0
            last = n
        else:
            first = min(round(c.start_time * self.clip.fps), n - 1)
            last = n if c.end_time is None else min(n, round(c.end_time * self.clip.fps) + 1)
        pos = self.clip.joint_pos[first:max(last, first + 1)].astype(np.float64, copy=True)
        if c.arm_swing != 1.0 and self._arms.size:
            pos[:, self._arms] = self._arm_mean + c.arm_swing * (pos[:, self._arms] - self._arm_mean)
        feats = reference_feature(pos, self.clip.root_pos[first:first + pos.shape[0], 2])
        return np.unique(feats, axis=0)

    def save_state(self) -> dict:
        """The clip's start step (subclasses add what their ``act`` advances)."""
        return {"step0": self._step0}

    def load_state(self, state: dict) -> None:
        self._step0 = state["step0"]

    def act(self, obs: np.ndarray, ctx: StepContext) -> np.ndarray:
        ref = self.reference_state(ctx)
        q = ref["joint_pos"].copy()
        data = physics_data(ctx)
        if data is not None:
            self._bind(ctx)
            q += self._feedback(data, ref, self.heading(ctx))
            if self._q_start is not None and self.config.blend_in > 0:
                b = min(1.0, (ctx.step - self._step0) * ctx.dt / self.config.blend_in)
                q = (1 - b) * self._q_start + b * q
        return self.joints_to_action(q)

    # -- helpers -------------------------------------------------------------------------------
    def joints_to_action(self, q: np.ndarray) -> np.ndarray:
        """Inverse of the affine action map: joint targets -> actions clipped to [-1, 1]."""
        a = 2.0 * (np.asarray(q, dtype=np.float64) - self._lo) / (self._hi - self._lo) - 1.0
        return np.clip(a, -1.0, 1.0)

    def action_to_joints(self, a: np.ndarray) -> np.ndarray:
        """The env's affine action map: actions in [-1, 1] -> joint position targets."""
        return self._lo + (np.asarray(a, dtype=np.float64) + 1.0) / 2.0 * (self._hi - self._lo)

    def _bind(self, ctx: StepContext) -> None:
        """Take ctrlranges and qpos addresses from the env's model (the authority) once per model."""
        model = _physics_model(ctx)
        if model is None or id(model) == self._model_key:
            return
        self._model_key = id(model)
        try:
            import mujoco

            jids = [int(model.actuator_trnid[i, 0]) for i in range(model.nu)]
            act_joints = [mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_JOINT, j) for j in jids]
            order = [act_joints.index(n) for n in self.clip.joint_names]
        except (ImportError, ValueError, AttributeError):
            self._perm = None  # a model that does not actuate the clip's joints: keep the clip's ranges
            return
        self._bind_capture(model, jids)
        if model.nu != self.clip.num_joints:
            self._perm = None
            return
        cr = np.asarray(model.actuator_ctrlrange)[order]
        self._lo, self._hi = cr[:, 0].copy(), cr[:, 1].copy()
        self._perm = np.array([int(model.jnt_qposadr[jids[i]]) for i in order])

    def _bind_capture(self, model: Any, jids: list[int]) -> None:
        """Root body and foot sites for the capture-point term (``None`` where the model lacks them)."""
        import mujoco

        self._root = self._feet = None
        if not jids:
            return
        root = int(model.body_rootid[int(model.jnt_bodyid[jids[0]])])
        jnt = int(model.body_jntadr[root])
        if jnt < 0 or int(model.jnt_type[jnt]) != int(mujoco.mjtJoint.mjJNT_FREE):
            return
        feet = [mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_SITE, n) for n in ("left_foot", "right_foot")]
        if min(feet) < 0:
            return
        self._root = (root, int(model.jnt_dofadr[jnt]), int(model.jnt_qposadr[jnt]))
        self._feet = (int(feet[0]), int(feet[1]))

    def capture_offset(self, data: Any) -> np.ndarray | None:
        """(forward, left) offset (m) of the capture point from the feet midpoint, heading frame."""
        if self._root is None or self._feet is None:
            return None
        root, dof, qadr = self._root
        com = np.asarray(data.subtree_com[root, :2])
        vel = np.asarray(data.qvel[dof : dof + 2])
        mid = 0.5 * (np.asarray(data.site_xpos[self._feet[0], :2]) + np.asarray(data.site_xpos[self._feet[1], :2]))
        e = com + self.config.capture_time * vel - mid
        yaw = quat_yaw(np.asarray(data.qpos[qadr + 3 : qadr + 7], dtype=np.float64))
        c, s = np.cos(yaw), np.sin(yaw)
        return np.array([c * e[0] + s * e[1], -s * e[0] + c * e[1]])

    def heading(self, ctx: StepContext) -> float | None:
        """The world heading (rad) the hip-yaw feedback steers to now: ``config.heading`` here;
        skills that steer (toward a sub-goal's target) override it."""
        return self.config.heading

    def _feedback(self, data: Any, ref: dict[str, np.ndarray], heading: float | None = None) -> np.ndarray:
        c = self.config
        dq = np.zeros(self.clip.num_joints)
        quat = np.asarray(data.qpos[3:7], dtype=np.float64)
        if c.balance_pitch_gain or c.balance_ankle_gain or c.balance_roll_gain:
            roll, pitch = quat_roll_pitch(quat)
            rroll, rpitch = quat_roll_pitch(ref["root_quat"])
            e_pitch = float(pitch - rpitch)
            e_roll = float(roll - rroll)
            dq[self._hip_pitch] += c.balance_pitch_gain * e_pitch
            dq[self._ankle] += c.balance_ankle_gain * e_pitch
            dq[self._hip_roll] += c.balance_roll_gain * e_roll
        if c.capture_gain or c.capture_roll_gain:
            off = self.capture_offset(data)
            if off is not None:
                dq[self._ankle] += c.capture_gain * off[0]
                dq[self._hip_roll] += c.capture_roll_gain * off[1]
        if heading is not None and c.heading_gain > 0 and len(self._hip_yaw):
            err = float(np.angle(np.exp(1j * (heading - quat_yaw(quat)))))
            dq[self._hip_yaw] += float(np.clip(c.heading_gain * err, -0.3, 0.3))
        return dq
