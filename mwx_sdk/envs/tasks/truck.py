"""truck: unload five packages from the truck onto the table."""

from __future__ import annotations

from functools import partial
from typing import ClassVar

import numpy as np

from .. import rewards as R
from ..base import H1Env
from .manipulation import HOLD_DISTANCE

PACKAGES = ("package_a", "package_b", "package_c", "package_d", "package_e")


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

    def _reward(self):
        d = self.v
        if self.z0 is None:  # reference heights at the first reward call
            self.z0 = {p: float(self._pos(p)[2]) for p in PACKAGES}
        r = 0.0
        # the lists are edited while iterated, as in the reference: an element can be skipped a step
        for p in self.on_truck:
            if self._pos(p)[2] > self.z0[p] + 0.1:
                self.on_truck.remove(p)
                self.picked.append(p)
                r += 100.0
        for p in self.picked:
            if R.truck_on_table(self._pos(p)):
                self.picked.remove(p)
                self.on_table.append(p)
                r += 100.0
        for p in self.on_table:
            if not R.truck_on_table(self._pos(p)):
                self.on_table.remove(p)
                self.picked.append(p)
                r -= 100.0
        a = self.q.root_qposadr
        shaped, terms = R.truck_shaped_reward(
            self.q.torso_upright(d), d.qpos[a : a + 3], d.xpos[self._table],
            [self._pos(p) for p in self.on_truck], [self._pos(p) for p in self.picked],
        )
        r += shaped
        self._done = len(self.on_table) == len(PACKAGES)
        if self._done:
            r += 1000.0
        terms.update(
            packages_on_truck=len(self.on_truck),
            packages_picked_up=len(self.picked),
            packages_on_table=len(self.on_table),
            success=int(self._done),
            success_subtasks=len(self.on_table),
        )
        return r, terms

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
