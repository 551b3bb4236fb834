"""Agent configuration files (TOML).

Example ``agent.toml``::

    [agent]
    experts = ["stand", "walk", "sit"]   # omit for the task's experts (all, where no task is known)
    robot = "h1"
    replan_every = 0
    min_subgoal_steps = 25
    seed = 0

    [router]
    name = "fusion"
    alpha = 0.7

    [planner]
    name = "mppi"                        # omit for the task's planner (direct, where no task is known)

    [vlm]
    name = "litellm"
    model = "openai/gpt-4o-mini"
    api_key_env = "OPENAI_API_KEY"

    [experts.walk]        # options of one expert
    speed = 1.0

Keys are checked: an unknown table or ``[agent]`` key is an error naming the allowed ones;
an expert listed twice, or options for an expert the list leaves out, are errors too.
Component options are checked against the component's constructor (and its config class)
when it is built: an unknown option gets the closest valid name, a value of the wrong type
the type wanted, each error naming the file.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .agent import Agent, AgentConfig, CompositionError, compose
from .plugins import ComponentOptionError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10
    import tomli as tomllib

TABLES = ("agent", "router", "planner", "vlm", "experts")
_AGENT_EXTRA = ("experts", "robot")


class ConfigError(ValueError):
    """An agent configuration file is invalid."""


@dataclass
class AgentFileConfig:
    """A parsed agent configuration file.

    Args:
        experts: expert names, or ``None`` for every registered expert.
        robot: robot filter used when ``experts`` is ``None``.
        agent: :class:`AgentConfig` fields.
        router: router name and options.
        planner: planner name (``None``: the task's planner, or ``direct`` without a task) and options.
        vlm: backend name and options.
        expert_options: per-expert options.
        source: the file it was read from (named in errors), if any.
    """

    experts: list[str] | None = None
    robot: str | None = None
    agent: dict[str, Any] = field(default_factory=dict)
    router: tuple[str, dict[str, Any]] = ("fusion", {})
    planner: tuple[str | None, dict[str, Any]] = (None, {})
    vlm: tuple[str, dict[str, Any]] = ("embedding", {})
    expert_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: str | None = None

    def __post_init__(self) -> None:
        if self.experts is not None and (
            not isinstance(self.experts, list) or not all(isinstance(e, str) and e for e in self.experts)
        ):
            raise ConfigError(f"[agent] experts must be a list of expert names, got {self.experts!r}")
        if self.experts is not None:
            twice = sorted({e for e in self.experts if self.experts.count(e) > 1})
            if twice:
                raise ConfigError(
                    f"[agent] experts lists {', '.join(repr(e) for e in twice)} more than once; list each expert once"
                )
        try:
            AgentConfig(**self.agent)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"[agent]: {exc}") from None


def _unknown(keys, allowed, where: str) -> None:
    bad = sorted(set(keys) - set(allowed))
    if bad:
        hints = "".join(
            f" ({b!r}: did you mean {m[0]!r}?)" for b in bad if (m := difflib.get_close_matches(b, allowed, n=1))
        )
        raise ConfigError(f"unknown key(s) {bad} in {where}{hints}; allowed: {', '.join(allowed)}")


def _component(raw: dict, table: str, default: str | None) -> tuple[str | None, dict[str, Any]]:
    if not isinstance(raw, dict):
        raise ConfigError(f"[{table}] must be a table")
    opts = dict(raw)
    name = opts.pop("name", default)
    if name is None and default is None:
        return None, opts
    if not isinstance(name, str) or not name:
        raise ConfigError(f"[{table}] name must be a registered {table} name, got {name!r}")
    return name, opts


def parse_agent_config(data: dict[str, Any], source: str = "<config>") -> AgentFileConfig:
    """Validate a parsed TOML document.

    Args:
        data: the TOML document as a dict.
        source: name used in error messages.

    Returns:
        The checked configuration.

    Raises:
        ConfigError: for unknown tables or keys and invalid values.
    """
    _unknown(data, TABLES, f"{source} (top-level tables)")
    agent = data.get("agent", {})
    if not isinstance(agent, dict):
        raise ConfigError(f"{source}: [agent] must be a table, got {agent!r}")
    agent = dict(agent)
    allowed = [f.name for f in dataclasses.fields(AgentConfig)] + list(_AGENT_EXTRA)
    _unknown(agent, allowed, f"{source} [agent]")
    experts = agent.pop("experts", None)
    robot = agent.pop("robot", None)
    if robot is not None and (not isinstance(robot, str) or not robot):
        raise ConfigError(f"{source}: [agent] robot must be a robot name such as \"h1\", got {robot!r}")
    expert_opts = data.get("experts", {})
    if not isinstance(expert_opts, dict) or not all(isinstance(v, dict) for v in expert_opts.values()):
        raise ConfigError(f"{source}: [experts.<name>] tables hold options per expert")
    if isinstance(experts, list):
        # options for an expert the agent leaves out would be ignored without a word (a typo)
        listed = [e for e in experts if isinstance(e, str)]
        stray = [k for k in expert_opts if k not in listed]
        if stray:
            k = stray[0]
            close = difflib.get_close_matches(k, listed, n=1)
            fix = f"did you mean [experts.{close[0]}]?" if close else f"add {k!r} to [agent] experts or remove the table"
            raise ConfigError(f"{source}: [experts.{k}] gives options for an expert that [agent] experts "
                              f"does not list ({', '.join(listed)}); {fix}")
    try:
        return AgentFileConfig(
            experts=experts,
            robot=robot,
            agent=agent,
            router=_component(data.get("router", {}), "router", "fusion"),
            # no name: the task's planner where the env's task is known, else direct (one rule
            # for compose, agent files, mwx run and mwx eval)
            planner=_component(data.get("planner", {}), "planner", None),
            vlm=_component(data.get("vlm", {}), "vlm", "embedding"),
            expert_options={k: dict(v) for k, v in expert_opts.items()},
            source=source,
        )
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None


def load_agent_config(path: str | os.PathLike) -> AgentFileConfig:
    """Read and validate an agent TOML file.

    Args:
        path: the file.

    Returns:
        The checked configuration.
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"agent config {p} does not exist")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:  # TOML files are UTF-8 by definition
        raise ConfigError(
            f"{p} is not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset {exc.start}); "
            "save it as UTF-8"
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p} is not valid TOML: {exc}") from None
    return parse_agent_config(data, str(p))


def compose_from_config(cfg: AgentFileConfig, *, env: Any = None, task: Any = None) -> Agent:
    """Build the agent a configuration describes; with ``env`` (or ``task``) the task's defaults
    apply beneath the file's settings, as in :func:`mwx_sdk.agent.compose`.

    Raises:
        ConfigError: an option a component does not take, or experts that cannot be composed
            (naming the file when the configuration came from one).
    """
    try:
        return compose(
            experts=cfg.experts,
            router=cfg.router[0],
            planner=cfg.planner[0],
            vlm=cfg.vlm[0],
            robot=cfg.robot,
            router_config=cfg.router[1],
            planner_config=cfg.planner[1],
            vlm_config=cfg.vlm[1],
            expert_config=cfg.expert_options,
            config=AgentConfig(**cfg.agent),
            env=env,
            task=task,
        )
    except (ComponentOptionError, CompositionError) as exc:
        if cfg.source is None:
            raise
        raise ConfigError(f"{cfg.source}: {exc}") from exc


def compose_from_file(path: str | os.PathLike, *, env: Any = None, task: Any = None) -> Agent:
    """Build an agent from a TOML file (see the module docstring for the format); ``env`` or
    ``task`` supply the task's defaults beneath the file's settings."""
    return compose_from_config(load_agent_config(path), env=env, task=task)
