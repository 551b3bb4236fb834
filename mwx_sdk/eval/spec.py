"""Picklable descriptions of what to evaluate: the environment, the agent, one episode.

A worker process (local pool or Ray) receives an :class:`EpisodeSpec`, builds its own env and
agent from it and runs one episode, so nothing heavy (MuJoCo data, torch modules, HTTP
clients) ever crosses a process boundary.
"""

from __future__ import annotations

import importlib
import inspect
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

__all__ = [
    "AgentSpec",
    "EnvSpec",
    "EpisodeSpec",
    "build_agent",
    "build_env",
    "parse_experts",
    "parse_seeds",
    "seed_everything",
]


def _load_callable(ref: str) -> Callable:
    """Import ``"package.module:function"``."""
    mod, sep, attr = ref.partition(":")
    if not sep or not mod or not attr:
        raise ValueError(f"factory {ref!r} must look like 'package.module:function'")
    try:
        obj = importlib.import_module(mod)
    except ImportError as exc:
        raise ValueError(f"cannot import module {mod!r} of factory {ref!r}: {exc}") from exc
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise ValueError(f"module {mod!r} has no attribute {attr!r} (factory {ref!r})")
        obj = getattr(obj, part)
    if not callable(obj):
        raise TypeError(f"factory {ref!r} is not callable")
    return obj


def _call_supported(fn: Callable, *args: Any, **kwargs: Any) -> Any:
    """Call ``fn`` with only the keyword arguments its signature accepts."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return fn(*args, **kwargs)
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return fn(*args, **kwargs)
    return fn(*args, **{k: v for k, v in kwargs.items() if k in params})


@dataclass(frozen=True)
class EnvSpec:
    """Which environment to build.

    Args:
        env_id: a gymnasium id resolved through ``mwx_sdk.make_env`` (e.g. ``mwx/h1-walk-v0``).
        kwargs: keyword arguments for ``make_env``.
        factory: ``"module:function"`` returning an env, used instead of ``env_id`` when set
            (called with ``**kwargs``).
    """

    env_id: str = ""
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    factory: str | None = None

    def __post_init__(self) -> None:
        if not self.env_id and not self.factory:
            raise ValueError("EnvSpec needs an env_id (e.g. 'mwx/h1-walk-v0') or a factory 'module:function'")
        object.__setattr__(self, "kwargs", dict(self.kwargs))

    @property
    def task(self) -> str:
        """Task name from an id like ``mwx/h1-walk-v0`` (``walk``), else the id itself."""
        m = re.match(r"^(?:.*/)?(?:h1hand|h1)-(.+)-v\d+$", self.env_id or "")
        return m.group(1) if m else (self.env_id or str(self.factory))


@dataclass(frozen=True)
class AgentSpec:
    """Which agent to compose; exactly one of ``file``, ``factory`` or ``experts`` is used.

    Args:
        file: an agent TOML file (``mwx_sdk.config.compose_from_file``).
        experts: expert names for ``mwx_sdk.compose`` (inline spec).
        router: router name (inline spec).
        planner: planner name (inline spec).
        vlm: VLM backend name, or ``None`` for no semantic planning (inline spec; the agent then
            gets the lexical backend, whose plan an alpha = 0 router ignores).
        router_options: keyword configuration of the router.
        planner_options: keyword configuration of the planner.
        vlm_options: keyword configuration of the VLM backend.
        compose_options: further keyword arguments for ``compose`` (``config`` entries are
            merged into the agent loop configuration).
        factory: ``"module:function"`` returning an agent; called with ``seed=`` and
            ``**compose_options`` when it accepts them.
        label: a short name for tables (defaults to a description of the spec).
    """

    file: str | None = None
    experts: tuple[str, ...] = ()
    router: str | None = None
    planner: str | None = None
    vlm: str | None = None
    router_options: Mapping[str, Any] = field(default_factory=dict)
    planner_options: Mapping[str, Any] = field(default_factory=dict)
    vlm_options: Mapping[str, Any] = field(default_factory=dict)
    compose_options: Mapping[str, Any] = field(default_factory=dict)
    factory: str | None = None
    label: str = ""

    def __post_init__(self) -> None:
        given = [n for n, v in (("file", self.file), ("factory", self.factory), ("experts", self.experts)) if v]
        if len(given) != 1:
            raise ValueError(
                "an agent is given by exactly one of: an agent TOML file (--agent agent.toml), "
                f"inline experts (--experts stand,walk ...), or a factory; got {given or 'none'}"
            )
        if self.file and not Path(self.file).is_file():
            raise ValueError(f"agent file {self.file!r} does not exist; write one or give --experts inline")
        object.__setattr__(self, "experts", tuple(self.experts))
        for name in ("router_options", "planner_options", "vlm_options", "compose_options"):
            object.__setattr__(self, name, dict(getattr(self, name)))

    def describe(self) -> str:
        """A short human-readable description (used when ``label`` is empty)."""
        if self.label:
            return self.label
        if self.file:
            return Path(self.file).stem
        if self.factory:
            return self.factory.rpartition(":")[2]
        parts = ["+".join(self.experts)]
        parts += [p for p in (self.router, self.planner, self.vlm) if p]
        return "/".join(parts)


@dataclass(frozen=True)
class EpisodeSpec:
    """One evaluation episode.

    Args:
        env: the environment.
        agent: the agent.
        seed: seeds the env reset, numpy's global generator (task randomisation), the agent.
        instruction: the instruction given to ``agent.reset``.
        steps: control steps to run (``None``: the env's ``max_episode_steps``, else 1000).
        video: path of an mp4 to record, or ``None``.
        fall_height: pelvis height (m) under which the episode counts as a fall.
        imitation_weight: weight of the imitation term in the shaped return.
        tags: free labels copied into the result (``task``, ``method``).
    """

    env: EnvSpec
    agent: AgentSpec
    seed: int = 0
    instruction: str = ""
    steps: int | None = None
    video: str | None = None
    fall_height: float = 0.45
    imitation_weight: float = 1.0
    tags: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.steps is not None and int(self.steps) <= 0:
            raise ValueError(f"steps must be a positive number of control steps, got {self.steps}")
        if int(self.seed) < 0:
            raise ValueError(f"seed must be non-negative, got {self.seed}")
        if self.imitation_weight < 0:
            raise ValueError(f"imitation_weight must be >= 0, got {self.imitation_weight}")
        object.__setattr__(self, "tags", dict(self.tags))

    def with_seed(self, seed: int) -> EpisodeSpec:
        return replace(self, seed=int(seed))


def parse_seeds(text: str) -> list[int]:
    """Parse a seed list such as ``"0-9"``, ``"1,3,5"`` or ``"0-4,10"``.

    Args:
        text: comma-separated integers or inclusive ranges ``a-b``.

    Returns:
        The seeds in the order given, without duplicates.
    """
    seeds: list[int] = []
    for part in str(text).split(","):
        part = part.strip()
        if not part:
            continue
        m = re.fullmatch(r"(\d+)\s*-\s*(\d+)", part)
        if m:
            a, b = int(m.group(1)), int(m.group(2))
            if b < a:
                raise ValueError(f"seed range {part!r} runs backwards; write it as {b}-{a}")
            new = range(a, b + 1)
        elif part.isdigit():
            new = [int(part)]
        else:
            raise ValueError(f"cannot read seeds {text!r}: use e.g. '0-9', '1,3,5' or '0-4,10'")
        seeds.extend(s for s in new if s not in seeds)
    if not seeds:
        raise ValueError(f"no seeds in {text!r}")
    return seeds


def parse_experts(text: str) -> tuple[str, ...]:
    """Split ``"stand,walk"`` into expert names."""
    names = tuple(n.strip() for n in str(text).split(",") if n.strip())
    if not names:
        raise ValueError(f"no expert names in {text!r}; write e.g. --experts stand,walk")
    return names


def seed_everything(seed: int) -> None:
    """Seed Python's and numpy's global generators, and torch's when torch is loaded.

    HumanoidBench tasks randomise their objects with numpy's *global* generator, so seeding it
    is needed for reproducible episodes; torch is seeded only if something already imported it.
    """
    from mwx_sdk.episode import seed_everything as seed_all

    seed_all(seed)


def build_env(spec: EnvSpec) -> Any:
    """Build the environment described by ``spec``."""
    if spec.factory:
        return _load_callable(spec.factory)(**spec.kwargs)
    from mwx_sdk.plugins import make_env

    return make_env(spec.env_id, **spec.kwargs)


def build_agent(spec: AgentSpec, seed: int = 0, env: Any = None) -> Any:
    """Compose the agent described by ``spec``.

    Args:
        spec: the agent description.
        seed: passed to the composer or factory when it accepts a ``seed`` argument; the agent
            seeds its components from it (the ``mppi`` sampler included) at reset.
        env: the environment the agent will act in: its task's defaults apply beneath the
            spec (:func:`mwx_sdk.agent.compose`), as in ``mwx run`` and the Python API.

    Returns:
        An agent with ``reset(instruction, env)``, ``act(obs)`` and ``diagnostics``.
    """
    if spec.factory:
        return _call_supported(_load_callable(spec.factory), seed=seed, **spec.compose_options)
    if spec.file:
        from mwx_sdk.config import compose_from_config, load_agent_config

        cfg = load_agent_config(os.fspath(spec.file))
        cfg.agent = {**cfg.agent, "seed": seed, "keep_history": False}
        return compose_from_config(cfg, env=env)
    from mwx_sdk.agent import compose

    popts = dict(spec.planner_options)
    kwargs: dict[str, Any] = {
        "experts": list(spec.experts),
        "router_config": dict(spec.router_options),
        "planner_config": popts,
        "vlm_config": dict(spec.vlm_options),
        "config": {"seed": seed, "keep_history": False, **spec.compose_options.get("config", {})},
        **{k: v for k, v in spec.compose_options.items() if k != "config"},
    }
    if spec.router:
        kwargs["router"] = spec.router
    if spec.planner:
        kwargs["planner"] = spec.planner
    if env is not None:
        kwargs["env"] = env
    # Without a VLM the plan is irrelevant (alpha = 0 or a single expert); the dependency-free
    # lexical backend fills the slot the agent requires.
    kwargs["vlm"] = spec.vlm or "lexical"
    return compose(**kwargs)
