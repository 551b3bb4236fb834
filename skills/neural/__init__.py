"""Bundled neural experts: small MLPs distilled from the sampling-MPC teacher (``mwx train
expert``), shipped as safetensors package data and run with numpy.

An expert ``<skill>-neural`` is registered for every folder ``weights/<skill>/`` holding a
trained policy, so nothing is registered before weights exist.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from mwx_sdk import hookimpl
from mwx_sdk.interfaces import Expert, ExpertSpec, StepContext

WEIGHTS = Path(__file__).with_name("weights")

DESCRIPTIONS = {
    "stand": (
        "Neural standing policy: keeps the robot upright and still on both feet. A small network "
        "distilled from the sampling-MPC planner guided by the stand motion prior; use it like "
        "'stand' when no simulator copy is available for planning."
    ),
    "walk": (
        "Neural walking policy: walks forward at a steady pace. A small network distilled from "
        "the sampling-MPC planner guided by the walk motion prior."
    ),
}


class NeuralExpert(Expert):
    """An MLP policy (numpy inference) loaded from a checkpoint folder.

    Args:
        weights: checkpoint folder (``config.json`` + ``model.safetensors``); defaults to the
            bundled weights of the class's skill.
    """

    skill = ""

    def __init__(self, weights: str | os.PathLike | None = None) -> None:
        from mwx_sdk.learn.mlp_policy import load_mlp

        self.net = load_mlp(weights or WEIGHTS / self.skill)
        if self.net.cfg.action_dim != self.spec.action_dim:
            raise ValueError(
                f"weights at {weights} output {self.net.cfg.action_dim} actions; {self.spec.name} needs "
                f"{self.spec.action_dim}"
            )
        self._dt = 0.02
        # the last action is an input of policies distilled from a warm-started planner
        self._prev = np.zeros(self.net.cfg.action_dim, np.float32)

    def reset(self, ctx: StepContext) -> None:
        self._dt = float(ctx.dt or 0.02)
        self._prev[:] = 0.0

    def save_state(self) -> np.ndarray:
        return self._prev.copy()

    def load_state(self, state: np.ndarray) -> None:
        self._prev[:] = state

    def act(self, obs: np.ndarray, ctx: StepContext) -> np.ndarray:
        if obs.shape[-1] != self.net.cfg.obs_dim:
            raise ValueError(
                f"{self.spec.name} was trained on observations of size {self.net.cfg.obs_dim} "
                f"({self.net.cfg.env_id}); got {obs.shape[-1]}"
            )
        a = self.net(obs, ctx.step * self._dt, self._prev)
        self._prev[:] = a
        return a.astype(np.float64)


def _make(skill: str) -> type[NeuralExpert]:
    return type(
        f"{skill.capitalize()}NeuralExpert",
        (NeuralExpert,),
        {
            "skill": skill,
            "spec": ExpertSpec(
                name=f"{skill}-neural", description=DESCRIPTIONS.get(skill, f"Neural {skill} policy."),
                robot="h1", action_dim=19, obs_dim=None, tags=("neural", skill),
            ),
            "__doc__": f"Neural {skill} expert distilled from the MPC teacher.",
        },
    )


def available() -> list[str]:
    """Skills with bundled weights."""
    if not WEIGHTS.is_dir():
        return []
    return sorted(p.name for p in WEIGHTS.iterdir() if (p / "model.safetensors").is_file())


@hookimpl
def register_experts(register):
    for skill in available():
        register(_make(skill), name=f"{skill}-neural")
