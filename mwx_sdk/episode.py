"""The one episode loop: ``mwx run``, ``mwx eval``, ``bench/`` and the learners' evaluations all
drive an agent through :func:`run_agent_episode`, with callbacks for what each adds (the live
view, videos, metrics, timing).

Seeding is part of the loop, so every entry point seeds every component from the one seed: the
global generators (:func:`seed_everything`), the env's reset, and the agent's reset (which
hands the seed to its components through :attr:`mwx_sdk.interfaces.StepContext.seed`).
"""

from __future__ import annotations

import contextlib
import inspect
import random
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "EpisodeCallback",
    "EpisodeOutcome",
    "StepRecord",
    "global_rng_kept",
    "instruction_for",
    "run_agent_episode",
    "seed_everything",
]


def seed_everything(seed: int) -> None:
    """Seed Python's, numpy's and (when imported) torch's global generators."""
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)


@contextlib.contextmanager
def global_rng_kept() -> Iterator[None]:
    """Restore Python's, numpy's and torch's global generators after the block.

    An episode run inside another process that draws from them (an evaluation in the middle of
    training) seeds them from its own seed; around it, the outer process's streams go on as if
    the episode had not run.
    """
    torch = sys.modules.get("torch")
    py, npy = random.getstate(), np.random.get_state()
    th = torch.get_rng_state() if torch is not None else None
    cuda = torch.cuda.get_rng_state_all() if torch is not None and torch.cuda.is_initialized() else None
    try:
        yield
    finally:
        random.setstate(py)
        np.random.set_state(npy)
        if th is not None:
            torch.set_rng_state(th)
        if cuda is not None:
            torch.cuda.set_rng_state_all(cuda)


def instruction_for(env: Any, fallback: str) -> str:
    """The instruction of ``env``'s task (:attr:`mwx_sdk.task.Composition.instruction`), else
    ``fallback``: what an agent is told where the caller does not say."""
    from .task import task_for_env

    task = task_for_env(env)
    if task is not None and task.composition is not None:
        return task.composition.instruction
    return fallback


@dataclass
class StepRecord:
    """One control step, as the callbacks see it.

    Args:
        index: control step (0 for the first action).
        obs: the observation after the step.
        action: the action sent.
        reward: the env's reward.
        terminated: the env ended the episode (a fall, or the task's own end).
        truncated: the time limit ended it.
        info: the env's info.
        episode_return: reward summed so far, this step included.
        agent_s: seconds the agent took to choose the action.
        env_s: seconds the env step took.
    """

    index: int
    obs: Any
    action: np.ndarray
    reward: float
    terminated: bool
    truncated: bool
    info: dict
    episode_return: float
    agent_s: float
    env_s: float


@dataclass
class EpisodeOutcome:
    """What an episode came to."""

    steps: int = 0
    episode_return: float = 0.0
    terminated: bool = False
    truncated: bool = False
    info: dict = field(default_factory=dict)
    plan: Any = None
    agent_s: float = 0.0
    env_s: float = 0.0
    wall_s: float = 0.0


class EpisodeCallback:
    """Hooks of :func:`run_agent_episode`; override what you need."""

    def on_start(self, env: Any, agent: Any, obs: Any, plan: Any) -> None:
        """After the env and the agent were reset, before the first action."""

    def on_step(self, step: StepRecord) -> None:
        """After each env step."""

    def on_end(self, outcome: EpisodeOutcome) -> None:
        """After the last step (not called when the loop raises)."""


def _reset_agent(agent: Any, instruction: str, env: Any, seed: int) -> Any:
    try:
        params = inspect.signature(agent.reset).parameters
    except (TypeError, ValueError):
        params = {}
    if "seed" in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return agent.reset(instruction, env, seed=seed)
    return agent.reset(instruction, env)


def run_agent_episode(
    env: Any,
    agent: Any,
    instruction: str,
    *,
    seed: int,
    steps: int | None = None,
    callbacks: Sequence[EpisodeCallback] = (),
) -> EpisodeOutcome:
    """Reset ``env`` and ``agent`` from ``seed`` and step them until the episode ends.

    Args:
        env: a gymnasium environment.
        agent: anything with ``reset(instruction, env[, seed])`` and ``act(obs)`` (an
            :class:`~mwx_sdk.agent.Agent`, a factory's agent).
        instruction: what the agent is told.
        seed: the one seed: global generators, ``env.reset(seed=)``, ``agent.reset(seed=)``.
        steps: control steps at most; ``None`` runs to the env's own limit
            (``spec.max_episode_steps``, else 1000).
        callbacks: called at the start, after each step and at the end.

    Returns:
        The outcome (steps, return, how it ended, timing).
    """
    if steps is None:
        steps = getattr(getattr(env, "spec", None), "max_episode_steps", None) or 1000
    steps = int(steps)
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    t_start = time.perf_counter()
    seed_everything(seed)
    obs, info = env.reset(seed=seed)
    plan = _reset_agent(agent, instruction, env, seed)
    for cb in callbacks:
        cb.on_start(env, agent, obs, plan)
    out = EpisodeOutcome(plan=plan, info=info)
    clock = time.perf_counter
    for k in range(steps):
        t0 = clock()
        action = agent.act(obs)
        t1 = clock()
        obs, reward, terminated, truncated, info = env.step(action)
        t2 = clock()
        out.steps = k + 1
        out.episode_return += float(reward)
        out.agent_s += t1 - t0
        out.env_s += t2 - t1
        out.terminated, out.truncated, out.info = bool(terminated), bool(truncated), info
        record = StepRecord(k, obs, np.asarray(action), float(reward), bool(terminated), bool(truncated), info,
                            out.episode_return, t1 - t0, t2 - t1)
        for cb in callbacks:
            cb.on_step(record)
        if terminated or truncated:
            break
    out.wall_s = time.perf_counter() - t_start
    for cb in callbacks:
        cb.on_end(out)
    return out
