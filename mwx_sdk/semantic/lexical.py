"""A dependency-free clause scorer: weighted word overlap with expert names and descriptions.

It is the fallback when sentence-transformers is not installed. Words are lower-cased,
crudely stemmed and mapped through a small table of common English verb synonyms, so "jog"
meets "run" and "grab" meets "reach". An expert's name counts three times, its tags twice and
its description once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from ..interfaces import ExpertSpec
from .clauses import _stem

STOPWORDS = {
    "a", "an", "the", "to", "of", "on", "in", "at", "and", "or", "it", "its", "is", "be", "for",
    "with", "by", "from", "this", "that", "then", "up", "down", "your", "you", "my", "please",
    "use", "when", "while", "as", "into", "onto", "over", "so", "do", "does", "can", "will",
    "robot", "humanoid", "skill", "expert", "h1", "their", "them", "they", "which", "also",
}
# Common verb synonyms folded onto one word; generic English, not tied to any skill set.
SYNONYMS = {
    "jog": "run", "sprint": "run", "dash": "run", "race": "run", "hurry": "run", "trot": "run",
    "stroll": "walk", "go": "walk", "march": "walk", "pace": "walk", "step": "walk",
    "head": "walk", "proceed": "walk", "advance": "walk", "locomote": "walk", "move": "walk",
    "seat": "sit", "sat": "sit", "seated": "sit", "squat": "sit", "settle": "sit",
    "stood": "stand", "upright": "stand", "rise": "stand", "still": "stand", "balance": "stand",
    "remain": "stay", "wait": "stay", "halt": "stop",
    "grab": "reach", "touch": "reach", "grasp": "reach", "extend": "reach", "stretch": "reach",
    "point": "reach", "press": "reach",
    "transport": "carry", "bring": "carry", "fetch": "carry", "deliver": "carry", "haul": "carry",
    "lug": "carry", "tote": "carry",
    "fast": "quick", "quickly": "quick", "rapid": "quick", "rapidly": "quick", "speed": "quick",
    "slow": "slow", "slowly": "slow", "gentle": "slow",
}


def tokens(text: str) -> list[str]:
    """Lower-case, stemmed, synonym-folded content words of ``text``."""
    out = []
    for word in re.findall(r"[a-zA-Z]+", text.lower()):
        if word in STOPWORDS:
            continue
        w = SYNONYMS.get(word) or SYNONYMS.get(_stem(word)) or _stem(word)
        if w and w not in STOPWORDS:
            out.append(w)
    return out


class LexicalScorer:
    """Scores clauses against experts by weighted word overlap.

    Args:
        name_weight: weight of a match with the expert's name.
        tag_weight: weight of a match with one of its tags.
        description_weight: weight of a match in its description.
    """

    name = "lexical"

    def __init__(self, name_weight: float = 3.0, tag_weight: float = 2.0, description_weight: float = 1.0):
        self.weights = (float(name_weight), float(tag_weight), float(description_weight))
        self._docs: dict[tuple[str, str, tuple[str, ...]], dict[str, float]] = {}

    def _doc(self, spec: ExpertSpec) -> dict[str, float]:
        key = (spec.name, spec.description, tuple(spec.tags))
        doc = self._docs.get(key)
        if doc is None:
            nw, tw, dw = self.weights
            doc = {}
            for t in tokens(spec.description):
                doc[t] = max(doc.get(t, 0.0), dw)
            for t in tokens(" ".join(spec.tags)):
                doc[t] = max(doc.get(t, 0.0), tw)
            for t in tokens(spec.name.replace("_", " ")):
                doc[t] = max(doc.get(t, 0.0), nw)
            self._docs[key] = doc
        return doc

    def scores(self, clause: str, experts: Sequence[ExpertSpec]) -> np.ndarray:
        """Raw overlap score of ``clause`` with each expert (larger is better)."""
        toks = tokens(clause)
        out = np.zeros(len(experts))
        for i, spec in enumerate(experts):
            doc = self._doc(spec)
            out[i] = sum(doc.get(t, 0.0) for t in toks)
        return out

    def similarity(self, a: str, b: str) -> float:
        """Overlap of two short texts (Jaccard over tokens), used to rank predicates."""
        ta, tb = set(tokens(a)), set(tokens(b))
        return len(ta & tb) / len(ta | tb) if ta and tb else 0.0
