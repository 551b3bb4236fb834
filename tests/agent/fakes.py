"""Small real components for agent tests: scripted experts, a deterministic backend, a toy env."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from mwx_sdk.interfaces import Expert, ExpertSpec, Planner, SemanticPlan, StepContext, SubGoal, VLMBackend


class ConstantExpert(Expert):
    """Outputs a fixed action; its embedding is a fixed point in observation space."""

    def __init__(self, name: str, value: float, dim: int = 4, robot: str = "toy", embedding=None, ref=None):
        self.spec = ExpertSpec(name, f"{name} skill", robot, dim, obs_dim=2)
        self.value = float(value)
        self._emb = None if embedding is None else np.asarray(embedding, dtype=float)
        self._ref = None if ref is None else np.asarray(ref, dtype=float)
        self.calls = 0
        self.resets = 0

    def reset(self, ctx: StepContext) -> None:
        self.resets += 1

    def act(self, obs, ctx):
        self.calls += 1
        return np.full(self.spec.action_dim, self.value)

    def embedding(self):
        return self._emb

    def reference_qpos(self, ctx):
        return self._ref


class ScriptedBackend(VLMBackend):
    """Returns a fixed plan (``(description, weights, predicate[, implied])`` per sub-goal); counts calls."""

    name = "scripted"

    def __init__(self, subgoals: list[tuple[str, dict, str | None]]):
        self.subgoals = subgoals
        self.calls = 0
        self.seen_predicates: tuple = ()

    def interpret(self, instruction, experts, *, image=None, state=None, predicates=()):
        self.calls += 1
        self.seen_predicates = tuple(predicates)
        return SemanticPlan(
            instruction, [SubGoal(d, dict(w), p, implied=bool(rest and rest[0])) for d, w, p, *rest in self.subgoals],
            backend=self.name
        )


class RecordingPlanner(Planner):
    """Returns a_ref and records the reference pose it was given."""

    name = "recording"

    def __init__(self):
        self.refs: list[Any] = []
        self.reset_calls = 0

    def reset(self, env, ctx):
        self.reset_calls += 1

    def plan(self, obs, a_ref, ctx):
        self.refs.append(ctx.extras.get("reference_qpos"))
        return np.asarray(a_ref, dtype=float).copy()

    def diagnostics(self):
        return {"ms": 0.0}


class ToyEnv:
    """A point on a line: the action's mean moves it; predicates read its position."""

    def __init__(self, dim: int = 4):
        self.action_space = spaces.Box(-1, 1, (dim,), np.float32)
        self.observation_space = spaces.Box(-np.inf, np.inf, (2,), np.float64)
        self.x = 0.0
        self.dt = 0.02

    @property
    def unwrapped(self):
        return self

    def reset(self):
        self.x = 0.0
        return self.obs()

    def obs(self):
        return np.array([self.x, 1.0])

    def step(self, action):
        self.x += float(np.mean(action)) * 0.1
        return self.obs()

    def predicates(self):
        return {"far": lambda: self.x > 0.5, "home": lambda: abs(self.x) < 0.05}

    def state_summary(self):
        return {"x": round(self.x, 3)}
