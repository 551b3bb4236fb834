"""Router ``irm``: MetaWorld-X intelligent routing from a trained checkpoint, without the VLM.

The default checkpoint ships in ``mwx_plugins/irm_default/`` (trained by ``mwx train router``
on generated instructions); pass ``checkpoint=PATH`` for another.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mwx_sdk import hookimpl
from mwx_sdk.interfaces import Expert, Router, StepContext

DEFAULT_CHECKPOINT = Path(__file__).with_name("irm_default")


class IRMRouter(Router):
    """Expert weights from (instruction embedding, state feature) by a distilled network.

    Args:
        checkpoint: IRM checkpoint folder (default: the bundled one).
        alpha: weight of the semantic weights in the result,
            ``alpha * w + (1 - alpha) * w_IRM``; 0 routes by the IRM alone.
        use_subgoal: embed the active sub-goal's description when a plan is present, else the
            instruction.
    """

    name = "irm"

    def __init__(self, checkpoint: str | None = None, alpha: float = 0.0, use_subgoal: bool = True) -> None:
        from mwx_sdk.learn.irm import InstructionEncoder, load_irm

        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"alpha must be in [0, 1], got {alpha}")
        self.net = load_irm(checkpoint or DEFAULT_CHECKPOINT)
        self.encoder = InstructionEncoder(self.net.cfg.encoder)
        self.alpha, self.use_subgoal = float(alpha), use_subgoal
        self._index: np.ndarray | None = None
        self._last: np.ndarray | None = None

    def reset(self, experts: Sequence[Expert], ctx: StepContext) -> None:
        names = list(self.net.cfg.experts)
        pos = {n: i for i, n in enumerate(names)}
        idx = np.array([pos.get(e.spec.name, -1) for e in experts])
        if np.all(idx < 0):
            raise ValueError(
                f"the IRM checkpoint routes {names}; none of the agent's experts "
                f"{[e.spec.name for e in experts]} is among them. Train one: mwx train router --experts ..."
            )
        self._index = idx

    def _state(self, ctx: StepContext) -> np.ndarray | None:
        data = getattr(ctx.env, "data", None)
        if data is None or not self.net.cfg.state_dim:
            return None
        from mwx_sdk.motion.expert import state_feature

        return state_feature(np.asarray(data.qpos)).astype(np.float32)

    def weights(self, obs: np.ndarray, semantic_w: np.ndarray, ctx: StepContext) -> np.ndarray:
        if self._index is None:
            raise RuntimeError("call reset(experts, ctx) before weights(...)")
        sg = ctx.subgoal if self.use_subgoal else None
        text = sg.description if sg is not None and sg.description else ctx.instruction
        w_all = self.net.weights(self.encoder.encode([text or ""]), self._state(ctx))[0]
        p = np.where(self._index >= 0, w_all[np.maximum(self._index, 0)], 0.0)
        s = p.sum()
        p = p / s if s > 0 else np.full(len(p), 1.0 / len(p))
        self._last = p
        out = self.alpha * np.asarray(semantic_w, dtype=np.float64) + (1 - self.alpha) * p
        return out / out.sum()

    def state_weights(self) -> np.ndarray | None:
        return self._last


@hookimpl
def register_routers(register):
    register(IRMRouter, name="irm",
             description="MetaWorld-X IRM: a network distilled from the VLM routes experts without calling it.")
