"""Planner ``tdmpc2``: a trained TD-MPC2 checkpoint planning in latent space around a_ref.

torch is imported when the planner is built, never at plugin discovery.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from mwx_sdk import hookimpl
from mwx_sdk.interfaces import Planner, StepContext


class TaskMismatchWarning(UserWarning):
    """A world model plans a task other than the one it was trained on."""


class TDMPC2Planner(Planner):
    """Latent MPPI of a trained TD-MPC2 world model, guided by the experts' a_ref.

    A checkpoint from guided training (``residual``) plans residuals to a_ref within the anchor
    its training earned (stored with it); an older one uses a_ref to seed the sampling mean.

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
        self.agent, _, doc = load_agent(checkpoint, device=device, overrides=overrides)
        if self.agent.cfg.residual and not guidance:
            raise ValueError(
                f"the tdmpc2 checkpoint {checkpoint} was trained acting around the experts' action (residual "
                "guidance), so it plans only with it: keep guidance=True and list experts"
            )
        self.checkpoint, self.eval_mode, self.guidance = str(checkpoint), eval_mode, guidance
        # checkpoints from before the task was recorded on its own still carry the run's options
        train = doc.get("train") if isinstance(doc.get("train"), dict) else {}
        self.trained_env: str | None = doc.get("env_id") or train.get("env_id")
        self._warned_env = False
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
        env_id = getattr(getattr(env, "spec", None), "id", None)
        if self.trained_env and env_id and env_id != self.trained_env and not self._warned_env:
            # same observation size, other task: it runs, but plans with another task's rewards
            warnings.warn(
                f"the tdmpc2 checkpoint {self.checkpoint} was trained on {self.trained_env}, but it now plans "
                f"{env_id}; its world model predicts the other task's rewards and values. Train one on this "
                f"task: mwx train world-model --env {env_id}",
                TaskMismatchWarning, stacklevel=2,
            )
            self._warned_env = True
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
