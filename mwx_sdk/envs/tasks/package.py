"""package: the H1 carries a package to a destination.

Predicates: ``holding(package_a)`` (both hands within 0.35 m, package lifted 0.15 m), ``at_goal``
(package within 0.1 m of the destination). Success bar 1500 over 1000 steps.
"""

from __future__ import annotations

import numpy as np

from mwx_sdk.task import Composition, Task

from .. import rewards as R
from .. import scalar as S
from ..base import H1Env
from .manipulation import HOLD_DISTANCE, LIFT_HEIGHT, MANIPULATION_PLANNING, _dist


def _planner_reward():
    """The package reward on the planner's rollout quantities.

    The destination is moved in the env's own model at reset, so it is read from the env."""
    from ...planning.rewards_adapter import LEFT_HAND, RIGHT_HAND, TaskAdapter, site_position, stand_kwargs

    return TaskAdapter(
        "package",
        lambda q, c: {**stand_kwargs(q), "package_pos": q["package"], "destination": c["destination"],
                      "left_hand": q["left_hand"], "right_hand": q["right_hand"]},
        R.package_reward,
        sensors=(LEFT_HAND, RIGHT_HAND),
        joints={"package": "free_package"},
        constants=lambda env: {"destination": site_position(env, "destination_loc")},
    )


TASK = Task(
    name="package",
    env=f"{__name__}:PackageEnv",
    description="carry the package to the destination",
    max_episode_steps=1000,
    success_bar=1500.0,
    humanoid_bench="package",
    in_suite=True,
    objects={"package_a": ("body", "package_a"), "destination": ("site", "destination_loc")},
    scene_dims=(33, 31),
    object_qpos0=(0.75, 0.0, 0.35, 1.0, 0.0, 0.0, 0.0),
    composition=Composition(instruction="pick up the package and carry it to the destination",
                            experts=("stand", "walk", "carry", "reach"), lead_skill="carry"),
    planning=MANIPULATION_PLANNING,
    planner_reward=_planner_reward,
)


class PackageEnv(H1Env):
    """Carry the package to a random destination; terminates with +1000 within 10 cm."""

    task_def = TASK

    terminate_height = None
    own_success = True

    def _setup(self):
        self._pkg_q, self._pkg_v = self._joint("free_package")
        self._dest_body = self.model.nbody - 1  # the destination is the last body
        if self._body("package_destination") != self._dest_body:
            raise ValueError(f"{self.model_path}: package_destination must be the last body of the model")
        self._dest = self._site("destination_loc")
        a = self._pkg_q
        self._rin = self._gather_index("head_z", "torso_zz", ("qpos", range(a, a + 3)),
                                       ("site_xpos", self._dest, range(3)), "lhand", "rhand", "force")
        self._dd = np.inf

    def _task_reset(self):
        rng, a = self.np_random, self._pkg_q
        self.data.qpos[a : a + 3] = (rng.uniform(-2, 2), rng.uniform(-2, 2), 0.35)
        self.model.body_pos[self._dest_body] = (rng.uniform(-2, 2), rng.uniform(-2, 2), 0.0)
        self._dd = np.inf

    def _obs_layout(self):
        q, a, v = self.q, self._pkg_q, self._pkg_v
        return (self._index("qpos", range(q.dof)) + self._index("qvel", range(q.robot_nv))
                + self._index("site_xpos", self._dest, range(3)) + self._index("qpos", range(a, a + 7))
                + self._index("qvel", range(v, v + 6)) + self._index("site_xpos", q.left_hand, range(3))
                + self._index("site_xpos", q.right_hand, range(3)))

    def _reward_info(self):
        # closed form of rewards.package_reward for one state (checked against it in the tests)
        v = self._gather(self._rin).tolist()
        st = S.standing(v[0]) * S.upright(v[1], 0.8, 1.9)
        sc = S.small_control(v[14:])
        pkg = v[2:5]
        dd = S.dist(pkg, v[5:8])
        dl = S.dist(v[8:11], pkg)
        dr = S.dist(v[11:14], pkg)
        success = dd < 0.1
        h = min(pkg[2], 1.0)
        r = st * sc - 3.0 * dd - 0.1 * (dl + dr) + h + 1000.0 * success
        self._dd = dd
        return r, {"per_timestep_reward": r, "stand_reward": st, "small_control": sc,
                   "dist_package_destination": dd, "dist_hand_package_right": dr,
                   "dist_hand_package_left": dl, "package_height": h, "success": success}

    def _terminated(self):
        return self._dd < 0.1

    def holding(self) -> bool:
        """Both hands within ``HOLD_DISTANCE`` of the package and the package lifted by ``LIFT_HEIGHT``."""
        q, d, a = self.q, self.v, self._pkg_q
        p = d.qpos[a : a + 3]
        return (_dist(q.left_hand_pos(d), p) < HOLD_DISTANCE and _dist(q.right_hand_pos(d), p) < HOLD_DISTANCE
                and p[2] > 0.35 + LIFT_HEIGHT)

    def _task_predicates(self):
        d, a = self.v, self._pkg_q
        return {"holding(package_a)": self.holding,
                "at_goal": lambda: _dist(d.qpos[a : a + 3], d.site_xpos[self._dest]) < 0.1}
