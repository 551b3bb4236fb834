"""The walk_backward environment: the bundled walk scene, scored by :func:`walk_backward_reward`."""

from __future__ import annotations

import os
from typing import Any

from mwx_sdk.envs.assets import scene_path
from mwx_sdk.envs.base import H1Env

from . import TASK
from .rewards import walk_backward_reward


class WalkBackwardEnv(H1Env):
    """Walk backward (-x) at 0.5 m/s or more: ``SC * STAND * MOVE(-v_x; 0.5)``.

    Args:
        model_path: MJCF of the scene; defaults to the bundled walk scene (flat floor, H1).
        **kwargs: the other arguments of :class:`~mwx_sdk.envs.base.H1Env`.
    """

    # name, description, episode length and success bar are read from the Task
    task_def = TASK

    def __init__(self, model_path: str | os.PathLike | None = None, **kwargs: Any) -> None:
        # H1Env would look for a bundled scene named after the task, and there is none for
        # walk_backward: the walk scene is the same flat floor
        super().__init__(model_path=scene_path("walk") if model_path is None else model_path, **kwargs)

    def _setup(self) -> None:
        self._rin = self._gather_index("head_z", "torso_zz", "com_vel", "force")

    def _reward(self) -> tuple[float, dict]:
        g = self._gather(self._rin)
        return walk_backward_reward(float(g[0]), float(g[1]), g[2:5], g[5:])
