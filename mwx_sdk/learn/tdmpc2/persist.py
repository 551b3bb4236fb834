"""Saving and loading a TD-MPC2 agent (with optimizers, RNG and replay) as a checkpoint folder."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..checkpoint import (
    CheckpointError,
    check_shapes,
    flatten_optimizer,
    read_checkpoint,
    restore_optimizer,
    rng_state,
    save_checkpoint,
    set_rng_state,
)
from ..replay import ReplayBuffer
from .agent import TDMPC2Agent
from .config import CONFIG_TYPE, TDMPC2Config


def save_agent(
    path: str | os.PathLike,
    agent: TDMPC2Agent,
    *,
    buffer: ReplayBuffer | None = None,
    counters: Mapping[str, Any] | None = None,
    extra: Mapping[str, Any] | None = None,
    with_optim: bool = True,
    env_id: str | None = None,
) -> Path:
    """Write ``agent`` (and optionally its replay buffer) to the folder ``path`` atomically.

    Args:
        path: checkpoint folder.
        agent: the agent.
        buffer: replay buffer to store with it (for resuming training).
        counters: step counters (``env_steps``, ``episodes`` ...), stored in ``config.json``.
        extra: more JSON-friendly values for ``config.json`` (e.g. the training run's options).
        with_optim: store optimizer and RNG state (needed to resume training exactly).
        env_id: the task the world model learned; a planner loading it warns when it plans
            another one.

    Returns:
        The folder.
    """
    optim: dict[str, Any] = {}
    meta: dict[str, Any] = {"counters": dict(counters or {}), "updates": agent.updates, **dict(extra or {})}
    if env_id is not None:
        meta["env_id"] = env_id
    if with_optim:
        groups = {}
        for name, opt in agent.optimizers().items():
            t, g = flatten_optimizer(name, opt)
            optim.update(t)
            groups[name] = g
        rng_meta, rng_t = rng_state()
        optim.update(rng_t)
        meta["optimizers"] = groups
        meta["rng"] = rng_meta
    replay = None
    if buffer is not None:
        replay, meta["replay"] = buffer.state()
    return save_checkpoint(
        path, type=CONFIG_TYPE, config=agent.cfg.to_dict(), model=agent.state_tensors(), optim=optim,
        replay=replay, meta=meta,
    )


def load_agent(
    path: str | os.PathLike,
    *,
    device: str | None = None,
    resume: bool = False,
    expect_obs_dim: int | None = None,
    expect_action_dim: int | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> tuple[TDMPC2Agent, ReplayBuffer | None, dict[str, Any]]:
    """Load an agent from a checkpoint folder.

    Args:
        path: checkpoint folder.
        device: device override (the stored config's otherwise).
        resume: also restore optimizers, global RNG states and the replay buffer.
        expect_obs_dim: fail clearly if the checkpoint was trained for another observation size.
        expect_action_dim: same for the action size.
        overrides: config fields to change that do not affect shapes (``iterations``,
            ``num_samples``, ``guidance_lambda`` ...).

    Returns:
        ``(agent, buffer_or_None, config_json)``.

    Raises:
        CheckpointError: wrong type, version, dims or tensor shapes.
    """
    doc, model, optim, replay = read_checkpoint(path, CONFIG_TYPE, with_optim=resume, with_replay=resume)
    config_file = Path(path) / "config.json"
    cfg_dict = dict(doc["config"])
    if device is not None:
        cfg_dict["device"] = device
    cfg_dict.update(overrides or {})
    try:
        cfg = TDMPC2Config.from_dict(cfg_dict)
    except (TypeError, ValueError) as exc:
        raise CheckpointError(
            f"{config_file} holds an invalid TD-MPC2 config ({' '.join(str(exc).split())}); restore the file "
            "from a backup or train a new checkpoint (mwx train world-model)"
        ) from None
    for name, want in (("obs_dim", expect_obs_dim), ("action_dim", expect_action_dim)):
        if want is not None and getattr(cfg, name) != want:
            raise CheckpointError(
                f"checkpoint {path} was trained with {name}={getattr(cfg, name)}, but this environment "
                f"has {name}={want}; train a checkpoint for this environment (mwx train world-model)"
            )
    agent = TDMPC2Agent(cfg)
    check_shapes(agent.state_tensors(), model, str(path))
    agent.load_state_tensors({k: v.to(agent.device) for k, v in model.items()})
    buffer = None
    if resume:
        groups = doc.get("optimizers", {})
        for name, opt in agent.optimizers().items():
            if name not in groups:
                raise CheckpointError(
                    f"checkpoint {path} has no state for optimizer {name!r}; it cannot be resumed: pass --overwrite "
                    "to start over"
                )
            moments = {k: v.to(agent.device) if k.endswith(("exp_avg", "exp_avg_sq")) else v for k, v in optim.items()}
            try:
                restore_optimizer(name, opt, moments, groups[name])
            except CheckpointError:
                raise
            except (KeyError, TypeError, ValueError, RuntimeError) as exc:
                raise CheckpointError(
                    f"the state of optimizer {name!r} in {Path(path)} is invalid ({exc}); it cannot be "
                    "resumed: pass --overwrite to start over"
                ) from None
        try:
            set_rng_state(doc.get("rng", {}), optim)
        except (TypeError, ValueError, RuntimeError) as exc:
            raise CheckpointError(
                f"{config_file} holds an invalid \"rng\" state ({exc}); it cannot be resumed: pass --overwrite "
                "to start over"
            ) from None
        if replay is not None and "replay" in doc:
            try:
                buffer = ReplayBuffer.from_state(replay, doc["replay"])
            except (KeyError, TypeError, ValueError) as exc:
                why = f"no field {exc}" if isinstance(exc, KeyError) else str(exc)
                raise CheckpointError(
                    f"the replay buffer in {Path(path)} does not fit its config.json ({why}); it cannot be "
                    "resumed: pass --overwrite to start over"
                ) from None
    return agent, buffer, doc


__all__ = ["CheckpointError", "load_agent", "save_agent"]
