"""Offline VLM backends: ``embedding`` (MiniLM sentence embeddings, the default) and ``lexical``.

Neither needs a network or an API key. ``embedding`` needs the ``embed`` extra; without it, it
warns once and interprets with the lexical scorer, so an episode never fails for lack of the extra.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mwx_sdk import hookimpl
from mwx_sdk.interfaces import ExpertSpec, SemanticPlan, VLMBackend
from mwx_sdk.semantic.lexical import LexicalScorer
from mwx_sdk.semantic.offline import OfflineInterpreter
from mwx_sdk.semantic.parsing import DEFAULT_TAU
from mwx_sdk.semantic.targets import scene_objects


@dataclass
class EmbeddingBackendConfig:
    """Configuration of the offline backends.

    Args:
        tau: softmax temperature over per-clause scores rescaled to [0, 1] (MetaWorld: 0.3).
        lexical_weight: weight of word overlap blended with embedding similarity.
        model_path: a sentence-transformers model folder; ``None`` uses the bundled MiniLM.
    """

    tau: float = DEFAULT_TAU
    lexical_weight: float = 1.0
    model_path: str | None = None

    def __post_init__(self) -> None:
        if not self.tau > 0:
            raise ValueError(f"tau must be positive, got {self.tau}")
        if self.lexical_weight < 0:
            raise ValueError(f"lexical_weight must be >= 0, got {self.lexical_weight}")


class EmbeddingBackend(VLMBackend):
    """Offline interpreter: clauses scored against expert descriptions with MiniLM embeddings."""

    name = "embedding"

    def __init__(self, **cfg: Any) -> None:
        self.config = EmbeddingBackendConfig(**cfg)
        self._interpreter: OfflineInterpreter | None = None
        self._plans: dict[tuple, SemanticPlan] = {}

    def _get_interpreter(self) -> OfflineInterpreter:
        if self._interpreter is None:
            try:
                from mwx_sdk.semantic.embedding import EmbeddingScorer

                scorer = EmbeddingScorer(self.config.model_path, self.config.lexical_weight)
                scorer.encode(["warm up"])  # load now so a missing model falls back here
                backend = "embedding"
            except (ImportError, OSError) as exc:  # extra not installed, or model files missing
                warnings.warn(f"{exc}; planning with the lexical scorer instead", stacklevel=3)
                scorer, backend = LexicalScorer(), "lexical"
            self._interpreter = OfflineInterpreter(scorer, tau=self.config.tau, backend=backend)
        return self._interpreter

    def interpret(
        self,
        instruction: str,
        experts: Sequence[ExpertSpec],
        *,
        image: np.ndarray | None = None,
        state: Mapping[str, Any] | None = None,
        predicates: Sequence[str] = (),
    ) -> SemanticPlan:
        objects = scene_objects(state)
        key = (instruction, tuple((e.name, e.description, e.tags) for e in experts), tuple(predicates),
               None if objects is None else tuple((k, tuple(v)) for k, v in objects.items()))
        plan = self._plans.get(key)
        if plan is None:
            task = (state or {}).get("task")
            scene = f"the {task} scene" if task else "this scene"
            try:
                plan = self._get_interpreter().interpret(instruction, experts, predicates, objects=objects, scene=scene)
            finally:
                self._release()
            self._plans[key] = plan
        return plan

    def _release(self) -> None:
        # the plan is made: the model is not needed until a text never encoded before comes
        # (its embeddings are cached), and an episode's planner and physics use that memory
        from mwx_sdk.semantic.embedding import release_models

        release_models()


class LexicalBackend(EmbeddingBackend):
    """Offline interpreter using word overlap only (no extra dependencies)."""

    name = "lexical"

    def _get_interpreter(self) -> OfflineInterpreter:
        if self._interpreter is None:
            self._interpreter = OfflineInterpreter(LexicalScorer(), tau=self.config.tau, backend="lexical")
        return self._interpreter

    def _release(self) -> None:
        pass  # no model


@hookimpl
def register_vlm_backends(register):
    register(EmbeddingBackend, name="embedding", description="Offline default: MiniLM sentence embeddings + word overlap per clause")
    register(LexicalBackend, name="lexical", description="Offline word-overlap interpreter (no extra dependencies)")
