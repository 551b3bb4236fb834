"""door_wall: the project's composite task "walk to the door, open it and go through".

HumanoidBench's door (a latch handle to turn, a sprung door that opens toward the robot) set in
a wall, 2.5-3.5 m ahead of the robot (seeded at reset: the robot's start is drawn, the wall stays
where the scene puts it, so the planner's copy of the model needs no change). Reward:
HumanoidBench's door reward with its passage line moved with the door (0.4 m past the door's
plane). Success: the pelvis 0.3 m past the door's plane with the robot standing; the episode
ends there. Predicates: ``door_open``, ``hatch_open`` (as the door task), ``through_door``
(the success condition), ``near(door)``, ``near(handle)``.

Unlike the door task (the robot starts in a corridor just before the door), this one starts with
a walk, which is how :func:`mwx_cli.run.pick_env` tells "walk to the door, open it and go
through" from "open the door and walk through".
"""

from __future__ import annotations

import numpy as np

from mwx_sdk.task import Composition, Task

from .door import DOOR_X as HB_DOOR_X
from .door import TASK as DOOR
from .door import DoorEnv

DOOR_X = 3.8  # m; the door's plane in the scene
DOOR_DISTANCE = (2.5, 3.5)  # m from the robot's start to the door's plane
PASSAGE_PAST = 0.4  # m past the door's plane where HumanoidBench's passage term is full
THROUGH_PAST = 0.3  # m past the door's plane for the pelvis to count as through


def _shaping(q, c):
    """Walk up to the door (the handle within reach), then through it; the door task's own terms
    (handle, latch, hinge) follow where it declares them."""
    pelvis = q["qpos"][..., :2]
    handle = q["hatch"][..., :2]
    terms = {"approach": np.maximum(0.0, np.linalg.norm(pelvis - handle, axis=-1) - 0.5),
             "pass": np.maximum(0.0, DOOR_X + THROUGH_PAST + 0.2 - pelvis[..., 0])}
    inner = c.get("_door_shaping")
    if inner is not None:
        terms |= inner(q, c)
    return terms


def _planner_reward():
    """The door reward with its passage line at this scene's door, and the walk-up shaping."""
    adapter = DOOR.planner_reward()
    inner_kwargs, inner_shaping = adapter.kwargs, adapter.shaping
    shift = DOOR_X - HB_DOOR_X

    def kwargs(q, c):
        kw = inner_kwargs(q, c)
        kw["imu_x"] = kw["imu_x"] - shift
        return kw

    adapter.task = "door_wall"
    adapter.kwargs = kwargs
    adapter.shaping = lambda q, c: _shaping(q, {**c, "_door_shaping": inner_shaping})
    adapter.shaping_names = ("approach", "pass", *adapter.shaping_names)
    return adapter


TASK = Task(
    name="door_wall",
    env=f"{__name__}:DoorWallEnv",
    description="walk to the door in the wall ahead, open it and go through",
    max_episode_steps=1500,
    success_bar=600.0,
    objects={"door": ("body", "door"), "handle": ("body", "door_hatch")},
    object_words={"door": ("doorway", "gate"), "handle": ("latch", "knob", "hatch")},
    scene_dims=(28, 27),
    object_qpos0=(0.0, 0.0),
    composition=Composition(instruction="walk to the door, open it and go through",
                            experts=DOOR.composition.experts, lead_skill=DOOR.composition.lead_skill,
                            expert_options=dict(DOOR.composition.expert_options),
                            # the walk to the door takes longer than the agent's default 3 s
                            agent_options={"subgoal_timeout_steps": 500}),
    planning={**DOOR.mppi_defaults(),
              "task_shaping": {**dict(DOOR.planning.get("task_shaping", {})), "approach": 5.0, "pass": 2.0}},
    planner_reward=_planner_reward,
)


class DoorWallEnv(DoorEnv):
    """Walk 2.5-3.5 m to a door in a wall, open it and go through (HumanoidBench's door)."""

    task_def = TASK

    own_success = True
    door_x = DOOR_X

    def _setup(self):
        super()._setup()
        self._through = False

    def _task_reset(self):
        super()._task_reset()
        a = self.q.root_qposadr
        self.data.qpos[a] = DOOR_X - self.np_random.uniform(*DOOR_DISTANCE)
        self.data.qpos[a + 1] = 0.0
        self._through = False

    def through_door(self) -> bool:
        """The pelvis past the door's plane, the robot standing."""
        d, q = self.data, self.q
        return (float(q.root_pos(d)[0]) >= DOOR_X + THROUGH_PAST
                and q.head_height(d) > 1.2 and q.torso_upright(d) > 0.8)

    def _reward_info(self):
        r, info = super()._reward_info()  # the passage line follows door_x
        self._through = info["success"] = self.through_door()
        return r, info

    def _terminated(self):
        return super()._terminated() or self._through

    def _task_predicates(self):
        preds = dict(super()._task_predicates())
        preds["through_door"] = self.through_door
        return preds
