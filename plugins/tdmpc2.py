"""Planner ``tdmpc2``: a trained TD-MPC2 checkpoint planning in latent space, seeded by a_ref.

torch is imported when the planner is built, never at plugin discovery.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import numpy as np

from mwx_sdk import hookimpl
from mwx_sdk.interfaces import Planner, StepContext


class TDMPC2Planner(Planner):
    """Latent MPPI of a trained TD-MPC2 world model; the experts' a_ref seeds the sampling mean.

    Args:
        checkpoint: checkpoint folder written by ``mwx train world-model`` (``OUT/checkpoint``).
        device: ``"auto"``, ``"cpu"`` or ``"cuda"``.
        eval_mode: act with the plan's mean (no exploration noise).
        guidance: pass a_ref to the planner (False plans as plain TD-MPC2).
        overrides: planning settings to change (``iterations``, ``num_samples``, ``horizon`` is
            fixed by training).
    """

    name = "tdmpc2"

    def __init__(
        self,
        checkpoint: str | None = None,
        device: str = "auto",
        eval_mode: bool = True,
        guidance: bool = True,
        overrides: Mapping[str, Any] | None = None,
    ) -> None:
        if not checkpoint:
            raise ValueError(
                "the tdmpc2 planner needs checkpoint=PATH (a folder from `mwx train world-model --out ...`, "
                "e.g. runs/stand/checkpoint)"
            )
        from mwx_sdk.learn.tdmpc2.persist import load_agent

        allowed = {"iterations", "num_samples", "num_elites", "num_pi_trajs", "temperature", "min_std",
                   "max_std", "guidance_seed", "threads"}
        bad = sorted(set(overrides or {}) - allowed)
        if bad:
            raise ValueError(f"tdmpc2 planner overrides {bad} are not allowed; allowed: {sorted(allowed)}")
        self.agent, _, _ = load_agent(checkpoint, device=device, overrides=overrides)
        self.checkpoint, self.eval_mode, self.guidance = str(checkpoint), eval_mode, guidance
        self._t0 = True
        self._ms = 0.0

    def reset(self, env: Any, ctx: StepContext) -> None:
        space = getattr(env, "observation_space", None)
        shape = getattr(space, "shape", None)
        if shape and int(np.prod(shape)) != self.agent.cfg.obs_dim:
            raise ValueError(
                f"checkpoint {self.checkpoint} expects observations of size {self.agent.cfg.obs_dim}, the env "
                f"gives {int(np.prod(shape))}; train a world model on this env"
            )
        self.agent.reset()
        self._t0 = True

    def plan(self, obs: np.ndarray, a_ref: np.ndarray, ctx: StepContext) -> np.ndarray:
        t = time.perf_counter()
        a = self.agent.act(
            np.asarray(obs, dtype=np.float32).reshape(-1), a_ref if self.guidance else None,
            t0=self._t0, eval_mode=self.eval_mode,
        )
        self._t0 = False
        self._ms = (time.perf_counter() - t) * 1e3
        return a.astype(np.float64)

    def diagnostics(self) -> Mapping[str, float]:
        return {"ms": self._ms}


@hookimpl
def register_planners(register):
    register(
        TDMPC2Planner,
        name="tdmpc2",
        description="TD-MPC2 latent MPPI from a trained checkpoint, sampling seeded by the experts' a_ref.",
    )
