"""truck: unload five packages from the truck onto the table."""

from __future__ import annotations

from functools import partial
from typing import ClassVar

import numpy as np

from .. import rewards as R
from .. import scalar as S
from ..base import H1Env
from .manipulation import HOLD_DISTANCE

PACKAGES = ("package_a", "package_b", "package_c", "package_d", "package_e")


def _on_table(p: list) -> bool:
    """:func:`rewards.truck_on_table` for one position list."""
    return 1.65 < p[0] < 2.35 and -2.05 < p[1] < -1.35 and p[2] > 0.5


def _min_tol(dists: list) -> float:
    """``rewards._min_tol``: linear tolerance of the smallest distance (0 for none)."""
    return S.linear_tol(min(dists), 0.0, 0.2, 4.0, S.LINEAR_0) if dists else 0.0


class TruckEnv(H1Env):
    """Pick each package out of the truck (+100), put it on the table (+100); all five: +1000.

    Progress lists and reference heights are cleared on every reset (the reference keeps them
    across episodes).
    """

    task = "truck"
    success_bar = 3000.0
    terminate_height = None
    own_success = True
    description = "unload the packages from the truck onto the table"
    scene_objects: ClassVar[dict[str, tuple[str, str]]] = {"truck": ("body", "truck"), "table": ("body", "table"), **{p: ("body", p) for p in PACKAGES}}

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
