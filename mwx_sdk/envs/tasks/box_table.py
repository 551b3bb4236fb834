"""box_table: the project's composite task "pick up the box and put it on the table".

A 0.3 m box of 1 kg lies on the floor 1.5-2.5 m ahead of the robot (seeded at reset: the robot's
start is drawn, the box and the table stay where the scene puts them), and 1 m beyond it stands a
table whose top is 0.75 m high. The H1 has no fingers: it lifts the box between its forearms.

Reward (per step, at most 1): ``stand * (0.2 * hands_on_box + 0.3 * lifted + 0.5 * on_table)``
with ``stand`` HumanoidBench's standing term (head height, upright), ``hands_on_box`` the mean of
each forearm end's closeness to the box's side (1 within 0.2 m, 0 by 0.8 m), ``lifted`` the box's
height (0 on the floor, 1 from the table top's height) and ``on_table`` the box's closeness to
resting on the table top (1 within 0.1 m, 0 by 1.5 m). Success: the box resting on the table top
(its centre over the top, its bottom within 3 cm of it, slower than 0.1 m/s) for 1 s (50 control
steps); the episode ends there. Predicates: ``holding(box)`` (both hands within 0.3 m of the
box's centre and the box off the floor by 5 cm), ``on_table(box)`` (resting, as for success),
``near(box)``, ``near(table)``.
"""

from __future__ import annotations

import numpy as np

from mwx_sdk.task import Composition, Task

from .. import rewards as R
from ..base import H1Env
from .manipulation import MANIPULATION_PLANNING, short_of, walk_toward

BOX_X = 3.0  # m; the box's start in the scene (the table stands 1 m beyond it)
TABLE_X = 4.0
TABLE_TOP = 0.75  # m; the table top's height
TABLE_HALF = (0.4, 0.6)  # m; half extents of the top
BOX_HALF = 0.15  # m
BOX_DISTANCE = (1.5, 2.5)  # m from the robot's start to the box
RESTING_STEPS = 50  # control steps the box rests on the table for success (1 s)
PICK_STANDOFF = 0.45  # m; the pelvis this far before the box (along x) to pick it up
WALK_UP = (0.1, 0.5)  # m short of that spot (along x): the walk reward's weight falls from full to none


def box_table_reward(box_pos: np.ndarray, left_hand: np.ndarray, right_hand: np.ndarray, head_height,
                     torso_upright) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The reward and its terms (see the module docstring); batched over leading axes."""
    box = np.asarray(box_pos, dtype=np.float64)
    st, _, _ = R._stand(head_height, torso_upright)
    hands = 0.5 * (R.tolerance(np.linalg.norm(np.asarray(left_hand) - box, axis=-1), (0.0, 0.2), 0.6, "linear")
                   + R.tolerance(np.linalg.norm(np.asarray(right_hand) - box, axis=-1), (0.0, 0.2), 0.6, "linear"))
    lifted = np.clip((box[..., 2] - BOX_HALF) / (TABLE_TOP + 0.02 - BOX_HALF), 0.0, 1.0)
    rest = np.array([TABLE_X, 0.0, TABLE_TOP + BOX_HALF])
    on_table = R.tolerance(np.linalg.norm(box - rest, axis=-1), (0.0, 0.1), 1.4, "linear")
    r = st * (0.2 * hands + 0.3 * lifted + 0.5 * on_table)
    return r, {"stand_reward": st, "hands_on_box": hands, "lifted": lifted, "on_table": on_table}


def _shaping(q, c):
    """Walk up to the box, then the box to the table top."""
    box = q["box"]
    pelvis = q["qpos"][..., :2]
    rest = np.array([TABLE_X, 0.0, TABLE_TOP + BOX_HALF])
    return {"approach": np.maximum(0.0, np.linalg.norm(pelvis - box[..., :2], axis=-1) - 0.45),
            "object_to_goal": np.linalg.norm(box - rest, axis=-1)}


def _walk_up_then_box(*, box_pos, pelvis_pos, com_vel, actuator_force, **kwargs):
    """The planner's reward: HumanoidBench's walk reward toward the spot before the box while
    the robot is short of it, the box-table reward from there on, blended along x.

    The box-table reward pays the same for standing anywhere far from the box, so a half-second
    plan sees nothing to gain in walking to it (walk_sit, door_wall and reach needed the same)."""
    box, _ = box_table_reward(box_pos, **kwargs)
    spot = np.asarray(box_pos, dtype=np.float64)[..., :2] - np.array([PICK_STANDOFF, 0.0])
    walk, _ = walk_toward(pelvis_pos, spot, kwargs["head_height"], kwargs["torso_upright"], com_vel, actuator_force)
    far = short_of(pelvis_pos[..., 0], spot[..., 0], WALK_UP)
    return far * walk + (1.0 - far) * box


def _planner_reward():
    """The walk up to the box, then the box-table reward, on the planner's rollout quantities,
    and the shaping."""
    from ...planning.rewards_adapter import LEFT_HAND, RIGHT_HAND, TaskAdapter

    return TaskAdapter(
        "box_table",
        lambda q, c: {"box_pos": q["box"], "left_hand": q["left_hand"], "right_hand": q["right_hand"],
                      "head_height": q["head_height"], "torso_upright": q["torso_upright"],
                      "pelvis_pos": q["qpos"][..., 0:3], "com_vel": q["com_vel"],
                      "actuator_force": q["actuator_force"]},
        _walk_up_then_box,
        sensors=(LEFT_HAND, RIGHT_HAND),
        joints={"box": "free_box"},
        shaping=_shaping,
        shaping_names=("approach", "object_to_goal"),
        objective="HumanoidBench's walk reward toward the spot before the box while short of it, then the "
                  "box-table reward; the env's reward is the box-table reward",
    )


TASK = Task(
    name="box_table",
    env=f"{__name__}:BoxTableEnv",
    description="pick the box up from the floor and put it on the table beyond it",
    max_episode_steps=1500,
    success_bar=750.0,
    objects={"box": ("body", "box"), "table": ("site", "table_top")},
    object_words={"box": ("package", "parcel", "crate", "cube")},
    scene_dims=(33, 31),
    object_qpos0=(BOX_X, 0.0, BOX_HALF, 1.0, 0.0, 0.0, 0.0),
    composition=Composition(instruction="pick up the box and put it on the table",
                            experts=("stand", "walk", "reach", "carry"), lead_skill="carry",
                            agent_options={"subgoal_timeout_steps": 500}),
    planning={**MANIPULATION_PLANNING, "num_samples": 32, "horizon": 20, "noise_std": 0.1,
              "noise_weights": {"torso": 0.25, "hip|knee|ankle": 0.3},
              "task_shaping": {"approach": 5.0, "object_to_goal": 2.0}},
    planner_reward=_planner_reward,
)


class BoxTableEnv(H1Env):
    """Pick a 0.3 m, 1 kg box up from the floor and put it on the table 1 m beyond it."""

    task_def = TASK

    own_success = True
    terminate_height = 0.5

    def _setup(self):
        self._box_q, self._box_v = self._joint("free_box")
        self._resting_for = 0

    def _task_reset(self):
        a = self.q.root_qposadr
        self.data.qpos[a] = BOX_X - self.np_random.uniform(*BOX_DISTANCE)
        self.data.qpos[a + 1] = 0.0
        self._resting_for = 0

    def box_position(self) -> np.ndarray:
        return self.data.qpos[self._box_q : self._box_q + 3].copy()

    def on_table(self) -> bool:
        """The box resting on the table top: centre over it, bottom on it, still."""
        p = self.box_position()
        v = self.data.qvel[self._box_v : self._box_v + 3]
        return (abs(p[0] - TABLE_X) <= TABLE_HALF[0] and abs(p[1]) <= TABLE_HALF[1]
                and abs(p[2] - BOX_HALF - TABLE_TOP) <= 0.03 and float(np.linalg.norm(v)) < 0.1)

    def holding(self) -> bool:
        """Both hands within 0.3 m of the box's centre, the box off the floor by 5 cm."""
        p, d, q = self.box_position(), self.data, self.q
        return (float(np.linalg.norm(q.left_hand_pos(d) - p)) < 0.3
                and float(np.linalg.norm(q.right_hand_pos(d) - p)) < 0.3 and p[2] > BOX_HALF + 0.05)

    def _reward_info(self):
        d, q = self.data, self.q
        r, terms = box_table_reward(self.box_position(), q.left_hand_pos(d), q.right_hand_pos(d),
                                    q.head_height(d), q.torso_upright(d))
        self._resting_for = self._resting_for + 1 if self.on_table() else 0
        r = float(r)
        return r, {"per_timestep_reward": r, **{k: float(v) for k, v in terms.items()},
                   "resting_steps": self._resting_for, "success": self._resting_for >= RESTING_STEPS}

    def _terminated(self):
        return super()._terminated() or self._resting_for >= RESTING_STEPS

    def _task_predicates(self):
        return {"holding(box)": self.holding, "on_table(box)": self.on_table}
