"""Publishing an expert's plan ahead: the prior actions over the planning horizon."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from ..interfaces import StepContext


def prior_horizon(expert: Any, obs: np.ndarray, ctx: StepContext, steps: int) -> np.ndarray:
    """The expert's actions for the next ``steps`` control steps, row 0 = now.

    Experts with a ``horizon(ctx, steps)`` method (e.g. :class:`GaitPrior`) answer directly;
    for any other expert ``act`` is called with the step index advanced and the physics
    state frozen, which advances a motion prior's phase while its feedback stays at now; what
    those calls advance inside the expert is put back afterwards (``Expert.save_state`` /
    ``load_state``).
    The result is what the agent publishes as ``ctx.a_ref_horizon``.

    Args:
        expert: an :class:`mwx_sdk.interfaces.Expert`.
        obs: the current observation.
        ctx: the current step context (not modified).
        steps: number of control steps.

    Returns:
        Array (steps, action_dim) in [-1, 1].
    """
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    own = getattr(expert, "horizon", None)
    seq = own(ctx, steps) if callable(own) else None
    if seq is not None:
        return np.clip(np.asarray(seq, dtype=np.float64), -1.0, 1.0)
    # the look-ahead must not move the expert on: only the real step does
    save = getattr(expert, "save_state", None)
    state = save() if callable(save) else None
    rows = []
    try:
        for k in range(steps):
            c = copy.copy(ctx)
            c.step = ctx.step + k
            rows.append(np.asarray(expert.act(obs, c), dtype=np.float64))
    finally:
        if state is not None:
            expert.load_state(state)
    return np.clip(np.stack(rows), -1.0, 1.0)
