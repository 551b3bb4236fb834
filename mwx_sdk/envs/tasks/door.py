"""door: the H1 opens a door (turns the hatch handle, swings the door) and walks through it.

Predicates: ``door_open`` (hinge >= 0.8 rad), ``hatch_open`` (>= 0.75 rad), ``through_door``
(imu x >= 1.2 m). Success bar 600 over 1000 steps.
"""

from __future__ import annotations

import math

import numpy as np

from mwx_sdk.task import Composition, Task

from .. import rewards as R
from .. import scalar as S
from ..base import H1Env
from .manipulation import DOOR_OPEN_ANGLE, HATCH_OPEN_ANGLE, MANIPULATION_PLANNING, nearest_hand_distance

#: Where a hand works the handle, in the hatch body's frame (x toward the far side of the door,
#: y along the door, the lever's inside part pointing to -y at zero turn): on top of the inside
#: lever, a little toward the door, so that pressing turns the handle and pulling catches the
#: lever. The lever's inside part lies 0.141 m in front of the hatch's centre, 0-0.2 m along -y.
HOOK_POINT = (-0.12, -0.12, 0.05)
#: The angles the shaping leads to: past the hatch's latch-free angle, and an open door (the
#: open term ``q|q|`` is full at 1 rad).
HATCH_GOAL = 1.0  # rad
DOOR_GOAL = 1.0  # rad
DOOR_X = 0.8  # m; the door's plane in HumanoidBench's scene
PASSAGE_X = 1.2  # m; the imu's x where the passage term is full (0.4 m past the door)


def handle_point(hatch_pos, door_angle, hatch_angle, local=HOOK_POINT) -> np.ndarray:
    """World position of the point ``local`` (hatch frame) for a door at ``door_angle`` (about
    world z) and a handle turned by ``hatch_angle`` (about the door's x), given the hatch body's
    world position. Batched over leading axes."""
    px, py, pz = (float(v) for v in local)
    cp, sp = np.cos(hatch_angle), np.sin(hatch_angle)
    vx, vy, vz = px, py * cp - pz * sp, py * sp + pz * cp
    ct, st = np.cos(door_angle), np.sin(door_angle)
    vx, vy = vx * ct - vy * st, vx * st + vy * ct
    return np.asarray(hatch_pos, dtype=np.float64) + np.stack(np.broadcast_arrays(vx, vy, vz), axis=-1)


def door_shaping(q, c, swing: float = 1.0, passage_x: float = PASSAGE_X):
    """Object-directed terms: a hand on the handle's lever, the handle turned past its latch, the
    door swung open, the robot through the doorway (each 0 once reached). ``swing`` is the sign
    of the hinge angle that opens the door (1: toward the robot, as HumanoidBench's; -1: away)."""
    hook = handle_point(q["hatch"], q["door_angle"], q["hatch_angle"])
    return {"hand_to_handle": nearest_hand_distance(q, hook),
            "hatch_progress": np.maximum(0.0, HATCH_GOAL - q["hatch_angle"]),
            "hinge_progress": np.maximum(0.0, DOOR_GOAL - swing * q["door_angle"]),
            "passage": np.maximum(0.0, passage_x - q["imu"][..., 0])}


def _planner_reward():
    """The door reward on the planner's rollout quantities (hinge angles read from the rollout)."""
    from ...planning.rewards_adapter import IMU, LEFT_HAND, RIGHT_HAND, TaskAdapter, stand_kwargs

    return TaskAdapter(
        "door",
        lambda q, c: {**stand_kwargs(q), "door_angle": q["door_angle"], "hatch_angle": q["hatch_angle"],
                      "hatch_pos": q["hatch"], "left_hand": q["left_hand"], "right_hand": q["right_hand"],
                      "imu_x": q["imu"][..., 0]},
        R.door_reward,
        sensors=(IMU, LEFT_HAND, RIGHT_HAND, ("hatch", "framepos", "xbody", "door_hatch")),
        joints={"door_angle": "door_hinge", "hatch_angle": "door_hatch_hinge"},
        shaping=door_shaping,
        shaping_names=("hand_to_handle", "hatch_progress", "hinge_progress", "passage"),
    )


TASK = Task(
    name="door",
    env=f"{__name__}:DoorEnv",
    description="open the door and walk through",
    max_episode_steps=1000,
    success_bar=600.0,
    humanoid_bench="door",
    in_suite=True,
    objects={"door": ("body", "door"), "handle": ("body", "door_hatch")},
    object_words={"door": ("doorway", "gate")},
    scene_dims=(28, 27),
    object_qpos0=(0.0, 0.0),
    # the door must be open before the walk through it: a walk sub-goal that took over on a
    # timeout would walk into the closed door and fall
    composition=Composition(instruction="open the door by its handle and walk through",
                            experts=("stand", "open", "walk"), lead_skill="open",
                            agent_options={"subgoal_timeout_steps": 0}),
    # The arm works the handle while the legs balance the push and pull on it, so both get
    # sampling noise; the shaping brings a hand onto the lever and rewards the handle's turn and
    # the door's swing, which the task's reward only pays for once reached.
    planning={**MANIPULATION_PLANNING, "noise_weights": {"torso": 0.25, "hip|knee|ankle": 0.3},
              "task_shaping": {"hand_to_handle": 1.0, "hatch_progress": 0.5, "hinge_progress": 2.0}},
    planner_reward=_planner_reward,
)


class DoorEnv(H1Env):
    """Open the door (turn the hatch handle, swing the door) and walk through it."""

    task_def = TASK

    terminate_height = 0.58
    # the door's plane; a scene that sets its door elsewhere moves the passage line with it
    door_x = DOOR_X
    #: the sign of the hinge angle that opens the door: 1 swings it toward the robot
    #: (HumanoidBench's), -1 away from it; the open term and ``door_open`` read the opening angle
    swing = 1.0
    #: the opening angle (rad) at which ``door_open`` holds
    open_angle = DOOR_OPEN_ANGLE

    @property
    def door_swing(self) -> str:
        """How the door opens from the robot's side: ``"pull"`` or ``"push"`` (skills read it)."""
        return "pull" if self.swing > 0 else "push"

    def _setup(self):
        self._door = self._joint("door_hinge")[0]
        self._hatch = self._joint("door_hatch_hinge")[0]
        self._hatch_body = self._body("door_hatch")
        self._rin = self._gather_index("head_z", "torso_zz", ("qpos", (self._door, self._hatch)),
                                       ("xpos", self._hatch_body, range(3)), "lhand", "rhand",
                                       ("site_xpos", self.q.imu, 0), "force")

    def _reward_info(self):
        # closed form of rewards.door_reward for one state (checked against it in the tests)
        v = self._gather(self._rin).tolist()
        st = S.standing(v[0]) * S.upright(v[1], 0.9, 0.9)
        sc = S.small_control(v[14:])
        q = self.swing * v[2]
        hatch = S.linear_tol(v[3], 0.75, 2.0, 0.75, S.LINEAR_01)
        open_ = min(1.0, q * abs(q))
        hp = v[4:7]
        dist = min(S.dist(hp, v[7:10]), S.dist(hp, v[10:13]))
        prox = S.linear_tol(dist, 0.0, 0.25, 1.0, S.LINEAR_01)
        passage = S.linear_tol(v[13] - (self.door_x - DOOR_X), PASSAGE_X, math.inf, 1.0, S.LINEAR_0)
        r = 0.1 * st * sc + 0.45 * open_ + 0.05 * hatch + 0.05 * prox + 0.35 * passage
        return r, {"per_timestep_reward": r, "stand_reward": st, "small_control": sc,
                   "door_openness_reward": open_, "door_hatch_openness_reward": hatch,
                   "hand_hatch_proximity_reward": prox, "passage_reward": passage}

    def _task_predicates(self):
        d = self.data
        return {"door_open": lambda: self.swing * d.qpos[self._door] >= self.open_angle,
                "hatch_open": lambda: d.qpos[self._hatch] >= HATCH_OPEN_ANGLE,
                "through_door": lambda: float(self.q.imu_pos(d)[0]) - (self.door_x - DOOR_X) >= PASSAGE_X}
