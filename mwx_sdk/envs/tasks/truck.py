"""truck: unload five packages from the truck onto the table."""

from __future__ import annotations

from functools import partial

import numpy as np

from mwx_sdk.task import Composition, Task

from .. import rewards as R
from .. import scalar as S
from ..base import H1Env
from .manipulation import HOLD_DISTANCE, MANIPULATION_PLANNING

PACKAGES = ("package_a", "package_b", "package_c", "package_d", "package_e")


def _on_table(p: list) -> bool:
    """:func:`rewards.truck_on_table` for one position list."""
    return 1.65 < p[0] < 2.35 and -2.05 < p[1] < -1.35 and p[2] > 0.5


def _min_tol(dists: list) -> float:
    """``rewards._min_tol``: linear tolerance of the smallest distance (0 for none)."""
    return S.linear_tol(min(dists), 0.0, 0.2, 4.0, S.LINEAR_0) if dists else 0.0


def _planner_reward():
    """``rewards.truck_shaped_reward`` on the planner's batches, plus the pick/place bonuses.

    The env's lists (packages on the truck, picked) are held fixed over the horizon; a package
    of the truck list lifted 0.1 m above its start height earns the +100 pick bonus and a picked
    package over the table the +100 place bonus, at every step where the condition holds.
    """
    from ...planning.rewards_adapter import TaskAdapter, body_position

    def reward(q, c):
        on_truck, picked, z0 = c["on_truck"], c["picked"], c["z0"]
        shaped, _ = R.truck_shaped_reward(q["torso_upright"], q["qpos"][..., 0:3], c["table"],
                                          [q[p] for p in on_truck], [q[p] for p in picked])
        bonus = np.zeros(np.shape(q["torso_upright"]))
        if z0 is not None:
            for p in on_truck:
                bonus = bonus + 100.0 * (q[p][..., 2] > z0[p] + 0.1)
        for p in picked:
            bonus = bonus + 100.0 * R.truck_on_table(q[p])
        return {"reward": shaped + bonus}

    return TaskAdapter(
        "truck",
        reward,
        None,
        sensors=tuple((p, "framepos", "xbody", p) for p in PACKAGES),
        constants=lambda env: {"table": body_position(env, "table"), "on_truck": list(env.on_truck),
                               "picked": list(env.picked), "z0": None if env.z0 is None else dict(env.z0)},
    )


TASK = Task(
    name="truck",
    env=f"{__name__}:TruckEnv",
    description="unload the packages from the truck onto the table",
    max_episode_steps=1000,
    success_bar=3000.0,
    humanoid_bench="truck",
    in_suite=True,
    objects={"truck": ("body", "truck"), "table": ("body", "table"), **{p: ("body", p) for p in PACKAGES}},
    scene_dims=(61, 55),
    object_qpos0=(
        5.0, 0.0, 1.1, 0.707105, -0.707108, 0.0, 0.0,
        5.1, 0.0, 1.3, 0.706752, 0.0, 0.0, 0.707462,
        5.0, 0.35, 1.3, 0.707105, 0.707108, 0.0, 0.0,
        5.0, -0.5, 1.1, 1.0, 0.0, 0.0, 0.0,
        5.1, -0.6, 1.4, 1.0, 0.0, 0.0, 0.0,
    ),
    # the truck task starts the robot next to the table
    root_pos0=(2.0, 0.0, 0.98),
    composition=Composition(instruction="unload the packages from the truck onto the table",
                            experts=("stand", "walk", "carry", "reach"), lead_skill="carry"),
    planning=MANIPULATION_PLANNING,
    planner_reward=_planner_reward,
)


class TruckEnv(H1Env):
    """Pick each package out of the truck (+100), put it on the table (+100); all five: +1000.

    Progress lists and reference heights are cleared on every reset (the reference keeps them
    across episodes).
    """

    task_def = TASK

    terminate_height = None
    own_success = True

    def _setup(self):
        self._pkg = {p: self._body(p) for p in PACKAGES}
        self._table = self._body("table")
        self._rin = self._gather_index("torso_zz", "root", ("xpos", self._table, range(3)),
                                       ("xpos", [self._pkg[p] for p in PACKAGES], range(3)))
        self._clear()

    def _clear(self):
        self.on_truck = list(PACKAGES)
        self.picked: list[str] = []
        self.on_table: list[str] = []
        self.z0: dict[str, float] | None = None
        self._done = False

    def _task_reset(self):
        self._clear()

    def _pos(self, name: str) -> np.ndarray:
        return self.v.xpos[self._pkg[name]]

    def _reward_info(self):
        # rewards.truck_shaped_reward / truck_on_table in closed form on Python floats
        # (checked against them in the tests), plus the stateful pick/place bonuses
        v = self._gather(self._rin).tolist()
        pos = {p: v[7 + 3 * i : 10 + 3 * i] for i, p in enumerate(PACKAGES)}
        if self.z0 is None:  # reference heights at the first reward call
            self.z0 = {p: pos[p][2] for p in PACKAGES}
        r = 0.0
        # the lists are edited while iterated, as in the reference: an element can be skipped a step
        for p in self.on_truck:
            if pos[p][2] > self.z0[p] + 0.1:
                self.on_truck.remove(p)
                self.picked.append(p)
                r += 100.0
        for p in self.picked:
            if _on_table(pos[p]):
                self.picked.remove(p)
                self.on_table.append(p)
                r += 100.0
        for p in self.on_table:
            if not _on_table(pos[p]):
                self.on_table.remove(p)
                self.picked.append(p)
                r -= 100.0
        up = S.upright(v[0], 0.9, 1.9)
        base, table = v[1:4], v[4:7]
        t1 = _min_tol([S.dist(pos[p], base) for p in self.on_truck])
        t2 = _min_tol([S.dist(pos[p], base) for p in self.picked])
        t3 = _min_tol([S.dist(pos[p], table) for p in self.picked])
        r += up * (1.0 + t1 + t2 + t3)
        n_table = len(self.on_table)
        self._done = n_table == len(PACKAGES)
        if self._done:
            r += 1000.0
        return r, {
            "per_timestep_reward": r,
            "upright": up,
            "reward_robot_package_truck": t1,
            "reward_robot_package_picked_up": t2,
            "reward_package_table": t3,
            "packages_on_truck": len(self.on_truck),
            "packages_picked_up": len(self.picked),
            "packages_on_table": n_table,
            "success": int(self._done),
            "success_subtasks": n_table,
        }

    def _terminated(self):
        return self._done

    def _holding(self, name: str) -> bool:
        q, d = self.q, self.v
        if name not in self.picked:
            return False
        p = self._pos(name)
        return min(float(np.linalg.norm(q.left_hand_pos(d) - p)), float(np.linalg.norm(q.right_hand_pos(d) - p))) < HOLD_DISTANCE

    def _task_predicates(self):
        preds = {}
        for p in PACKAGES:
            preds[f"holding({p})"] = partial(self._holding, p)
            preds[f"on_table({p})"] = partial(self._on_table, p)
        return preds

    def _on_table(self, name: str) -> bool:
        return bool(R.truck_on_table(self._pos(name)))
