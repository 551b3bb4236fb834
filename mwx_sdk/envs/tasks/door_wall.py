"""door_wall: the project's composite task "walk to the door, open it and go through".

HumanoidBench's door (a latch handle to turn, a heavy sprung door) set in a wall, 2.5-3.5 m ahead
of the robot (seeded at reset: the robot's start is drawn, the wall stays where the scene puts
it, so the planner's copy of the model needs no change). Unlike HumanoidBench's door, this one
swings away from the robot: the H1 has no hands, and a door that opens toward it has to be
pulled, which it cannot do (results/door); it can press the handle down and push. The latch
still holds the closed door until the handle is turned. Reward: HumanoidBench's door reward on
the door's opening angle, with its passage line moved with the door (0.4 m past the door's
plane). Success: the pelvis 0.3 m past the door's plane with the robot standing; the episode
ends there. Predicates: ``door_open`` (open by 0.45 rad: enough to step into the gap and push the
rest of the way), ``hatch_open`` (as the door task), ``through_door`` (the success condition),
``near(door)``, ``near(handle)``.

Unlike the door task (the robot starts in a corridor just before the door), this one starts with
a walk, which is how :func:`mwx_cli.run.pick_env` tells "walk to the door, open it and go
through" from "open the door and walk through".
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from mwx_sdk.task import Composition, Task

from ..rewards import door_reward
from .door import DOOR_X as HB_DOOR_X
from .door import TASK as DOOR
from .door import DoorEnv, door_shaping
from .manipulation import short_of, walk_toward

DOOR_X = 3.8  # m; the door's plane in the scene
DOOR_DISTANCE = (2.5, 3.5)  # m from the robot's start to the door's plane
PASSAGE_PAST = 0.4  # m past the door's plane where HumanoidBench's passage term is full
THROUGH_PAST = 0.3  # m past the door's plane for the pelvis to count as through
SWING = -1.0  # the hinge angle that opens this door is negative: it swings away from the robot
#: Where the robot stands to work the handle: close enough to the door's plane for the arm to
#: push the door open by more than 0.45 rad, with the left hand (the open skill's) level with
#: the handle's lever (0.2-0.4 m to the left of the doorway's centre line).
WORK_SPOT = (DOOR_X - 0.45, 0.1)
WALK_UP = (0.1, 0.5)  # m before the work spot (along x): the walk reward's weight falls from full to none
NEAR_DOOR = 0.7  # m before the door's plane where ``near(door)`` holds: the handle within reach
WALK_IN_ANGLE = 0.45  # rad; the door open this far counts as open (``door_open``): the robot can step in
#: Where the walk through leads: past the success line, in the doorway's middle.
THROUGH_SPOT = (DOOR_X + 1.0, 0.0)


def _shaping(q, c):
    """Walk up to the spot where the left hand works the handle, then through the door; the
    door's own terms (handle, latch, hinge) for a door that opens away from the robot. The pull
    to the spot lets go as the door opens, so that it does not hold the robot back from the
    doorway."""
    pelvis = q["qpos"][..., :2]
    closed = np.clip(1.0 - SWING * q["door_angle"] / WALK_IN_ANGLE, 0.0, 1.0)
    terms = {"approach": closed * np.maximum(0.0, np.linalg.norm(pelvis - np.asarray(WORK_SPOT), axis=-1) - 0.1),
             "pass": np.maximum(0.0, DOOR_X + THROUGH_PAST + 0.2 - pelvis[..., 0])}
    door = door_shaping(q, c, swing=SWING, passage_x=DOOR_X + PASSAGE_PAST)
    # the hand's work on the handle is done once the door is open enough to step in; held to the
    # handle, the robot would stay at the door's edge instead of going through
    for name in ("hand_to_handle", "hatch_progress"):
        door[name] = closed * door[name]
    return terms | door


def _walk_up_then_door(*, door_angle, pelvis_pos, com_vel, **door_kwargs):
    """The planner's reward: HumanoidBench's walk reward toward the work spot while the robot is
    short of it, the door reward (on the opening angle) from there on, blended along x.

    The door reward pays 0.1 for standing anywhere far from the door, so a short plan sees
    nothing to gain in walking to it; and past the work spot the plan must not be pulled back to
    it, so the blend follows the distance along the walk, not to the spot."""
    door, _ = door_reward(door_angle=SWING * door_angle, **door_kwargs)
    stand = (door_kwargs["head_height"], door_kwargs["torso_upright"])
    walk, _ = walk_toward(pelvis_pos, np.asarray(WORK_SPOT), *stand, com_vel, door_kwargs["actuator_force"])
    far = short_of(pelvis_pos[..., 0], WORK_SPOT[0], WALK_UP)
    # an open door is walked through: the door reward's passage term is a step past the plane, too
    # far for a half-second plan to see, and the sprung door swings back while the robot waits
    through, _ = walk_toward(pelvis_pos, np.asarray(THROUGH_SPOT), *stand, com_vel, door_kwargs["actuator_force"])
    opened = np.clip(SWING * door_angle / WALK_IN_ANGLE, 0.0, 1.0)
    return far * walk + (1.0 - far) * (door + opened * through)


def _planner_reward():
    """The walk up to the door, then the door reward with its passage line at this scene's door,
    and the shaping."""
    adapter = DOOR.planner_reward()
    inner_kwargs = adapter.kwargs
    shift = DOOR_X - HB_DOOR_X

    def kwargs(q, c):
        kw = inner_kwargs(q, c)
        kw["imu_x"] = kw["imu_x"] - shift
        kw["pelvis_pos"] = q["qpos"][..., 0:3]
        kw["com_vel"] = q["com_vel"]
        return kw

    adapter.task = "door_wall"
    adapter.kwargs = kwargs
    adapter.fn = _walk_up_then_door
    adapter.shaping = _shaping
    adapter.shaping_names = ("approach", "pass", *adapter.shaping_names)
    adapter.objective = ("HumanoidBench's walk reward toward the spot before the handle while short of it, "
                         "then the door reward on the opening angle of a door that swings away; the env's "
                         "reward is that door reward")
    return adapter


TASK = Task(
    name="door_wall",
    env=f"{__name__}:DoorWallEnv",
    description="walk to the door in the wall ahead, open it and go through",
    max_episode_steps=1500,
    success_bar=600.0,
    # the door is where walking to it and through it leads: the doorway's far side (the door
    # leaf itself swings into the way as it opens)
    objects={"door": ("site", "doorway"), "handle": ("body", "door_hatch")},
    object_words={"door": ("doorway", "gate"), "handle": ("latch", "knob", "hatch")},
    scene_dims=(28, 27),
    object_qpos0=(0.0, 0.0),
    composition=Composition(instruction="walk to the door, open it and go through",
                            experts=DOOR.composition.experts, lead_skill=DOOR.composition.lead_skill,
                            expert_options=dict(DOOR.composition.expert_options),
                            # the walk to the door takes longer than the agent's default 3 s
                            agent_options={"subgoal_timeout_steps": 500}),
    # walking first, as walk_sit: a plan that looks 0.5 s ahead with sampling noise on the legs as
    # on the arms (the door task's quiet legs suit a robot that stands at its door, and a walk on
    # them fell within 3 s); the door's shaping, the walk up and the passage on top
    planning={"num_samples": 32, "horizon": 25, "num_knots": 4, "heading_weight": 0.0,
              "noise_weights": {"torso": 0.25},
              "task_shaping": {**dict(DOOR.planning.get("task_shaping", {})), "approach": 5.0, "pass": 2.0}},
    planner_reward=_planner_reward,
)


class DoorWallEnv(DoorEnv):
    """Walk 2.5-3.5 m to a door in a wall, open it (it swings away) and go through."""

    task_def = TASK

    own_success = True
    door_x = DOOR_X
    swing = SWING
    # open enough to step into the gap: the body pushes the door the rest of the way, which the
    # arm alone cannot (its reach ends near 0.7 rad from where the robot works the handle)
    open_angle = WALK_IN_ANGLE
    # from behind the robot and to its right: the walk up, the door swinging away and the way
    # through are in view (the default view looks back at the robot from ahead of it)
    render_view: ClassVar[dict[str, float]] = {"azimuth": 45.0, "distance": 4.0}

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

    def _near(self, name: str) -> bool:
        if name != "door":
            return super()._near(name)
        # at the door: within arm's length of its plane, in front of the doorway (the door object
        # is the doorway's far side, where the walk through leads)
        root = self.q.root_pos(self.data)
        return DOOR_X - float(root[0]) < NEAR_DOOR and abs(float(root[1])) < 1.0

    def _task_predicates(self):
        return {**super()._task_predicates(), "through_door": self.through_door}
