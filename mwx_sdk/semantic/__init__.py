"""The semantic layer: from an instruction to a :class:`~mwx_sdk.interfaces.SemanticPlan`.

Pieces shared by the VLM backends (each in its own small module):

- :mod:`.prompt` builds the MetaWorld planning prompt (instruction, experts, predicates, state).
- :mod:`.parsing` turns a model's text into a plan: tolerant JSON extraction, score cleaning and
  the temperature softmax ``w_i = exp(s_i / tau) / sum_j exp(s_j / tau)`` with ``tau = 0.3``.
- :mod:`.cache` is the on-disk response cache (atomic JSON files).
- :mod:`.clauses` splits a compound instruction into ordered clauses.
- :mod:`.lexical` and :mod:`.embedding` score clauses against expert descriptions offline;
  :mod:`.offline` turns those scores into a plan (:class:`~mwx_sdk.semantic.offline.OfflineInterpreter`).

Only the standard library and numpy are imported here; sentence-transformers is imported inside
:class:`~mwx_sdk.semantic.embedding.EmbeddingScorer` when it is first used.
"""

from __future__ import annotations

from typing import Any

from .cache import ResponseCache, default_cache_dir
from .clauses import split_clauses
from .lexical import LexicalScorer
from .offline import OfflineInterpreter, _deprecated_name, choose_predicate
from .parsing import PlanParseError, parse_plan, scores_to_weights
from .prompt import build_messages, state_summary_text

__all__ = [
    "LexicalScorer",
    "OfflineInterpreter",
    "PlanParseError",
    "ResponseCache",
    "build_messages",
    "choose_predicate",
    "default_cache_dir",
    "parse_plan",
    "scores_to_weights",
    "split_clauses",
    "state_summary_text",
]


def __getattr__(name: str) -> Any:
    # OfflinePlanner, the old name of OfflineInterpreter, still imports for one release (warns)
    return _deprecated_name(__name__, name)
