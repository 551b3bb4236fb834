"""Parse a planner model's answer into a :class:`~mwx_sdk.interfaces.SemanticPlan`.

Models wrap JSON in code fences, add prose, name experts that do not exist, or emit NaN and
negative scores. The parser keeps what is usable, warns about the rest, and raises
:class:`PlanParseError` only when no sub-goal survives (the backend then falls back).

A reply is untrusted input: one longer than :data:`MAX_RESPONSE_CHARS` or nesting brackets
deeper than :data:`MAX_DEPTH` is rejected before decoding (the JSON decoder recurses once per
level), descriptions are cleaned and capped (:func:`mwx_sdk.textsafe.clean_text`), and reply
text quoted in warnings is cut short.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from ..interfaces import SemanticPlan, SubGoal
from ..textsafe import clean_text

DEFAULT_TAU = 0.3
MAX_RESPONSE_CHARS = 65_536
"""Longest reply parsed; a plan for a few sub-goals is a few kilobytes."""
MAX_DEPTH = 64
"""Deepest bracket nesting accepted; a plan nests four levels."""
MAX_DESCRIPTION_CHARS = 200

_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)


class PlanParseError(ValueError):
    """The response contained no usable plan."""


def scores_to_weights(scores: np.ndarray, tau: float = DEFAULT_TAU) -> np.ndarray:
    """Temperature softmax ``exp(s_i / tau) / sum_j exp(s_j / tau)`` (MetaWorld, tau = 0.3).

    Args:
        scores: finite scores, one per expert.
        tau: temperature; smaller is sharper. Must be positive.

    Returns:
        Weights summing to 1.
    """
    if tau <= 0:
        raise ValueError(f"tau must be positive, got {tau}")
    s = np.asarray(scores, dtype=np.float64)
    if s.size == 0:
        raise ValueError("no scores to normalise")
    z = (s - s.max()) / tau
    e = np.exp(z)
    return e / e.sum()


def check_response(text: str, max_chars: int = MAX_RESPONSE_CHARS) -> None:
    """Reject a reply too long or too deeply nested to decode safely.

    Brackets outside double-quoted strings are counted (closing ones never below zero), so the
    check is linear and needs no decoding; a real plan is far from either limit.

    Raises:
        PlanParseError: naming the limit that was exceeded.
    """
    if len(text) > max_chars:
        raise PlanParseError(
            f"response is {len(text)} characters, above the {max_chars}-character limit; rejected"
        )
    depth = deepest = 0
    for m in _BRACKETS.finditer(text):
        token = m.group()
        if token[0] == '"':
            continue
        depth = depth + 1 if token in "{[" else max(depth - 1, 0)
        if depth > deepest:
            deepest = depth
            if deepest > MAX_DEPTH:
                raise PlanParseError(f"response nests brackets more than {MAX_DEPTH} deep; rejected")


_BRACKETS = re.compile(r'"(?:[^"\\\n]|\\.)*"|[\[\]{}]')
# Characters the decoder may examine in failed attempts, beyond a multiple of the text's length:
# prose with a few brackets costs little, while crafted nesting that fails just short of the
# decoder's recursion limit at every start would cost seconds.
_DECODE_BUDGET = 1_000_000


def iter_json(text: str):
    """Yield every JSON object or array in a model answer, fenced blocks first.

    Args:
        text: the raw answer (code fences and surrounding prose allowed).

    Raises:
        PlanParseError: when the decoder runs out of stack on deeply nested brackets, or failed
            attempts examine far more text than the answer holds (call :func:`check_response`
            first to reject most such replies cheaply).
    """
    if not isinstance(text, str):
        return
    candidates = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    decoder = json.JSONDecoder()
    budget = _DECODE_BUDGET + 8 * len(text)
    for cand in candidates:
        cand = _relax(cand.strip())
        i = 0
        while i < len(cand):
            if cand[i] in "{[":
                try:
                    value, end = decoder.raw_decode(cand, i)
                except ValueError as exc:
                    budget -= max(getattr(exc, "pos", i) - i, 1)
                    if budget < 0:
                        raise PlanParseError("response holds too much malformed JSON to decode; rejected") from None
                    i += 1
                    continue
                except RecursionError:
                    raise PlanParseError("response nests JSON too deeply to decode; rejected") from None
                if isinstance(value, (dict, list)):
                    yield value
                i = end
            else:
                i += 1


def extract_json(text: str) -> Any:
    """The first JSON object or array in a model answer.

    Raises:
        PlanParseError: when nothing decodes.
    """
    if not isinstance(text, str) or not text.strip():
        raise PlanParseError("empty response")
    for value in iter_json(text):
        return value
    raise PlanParseError(f"no JSON object found in response: {clean_text(text, 120)!r}")


def _plan_items(value: Any) -> list | None:
    if isinstance(value, dict):
        items = value.get("subgoals", value.get("sub_goals", value.get("plan")))
        if items is None and ("scores" in value or "weights" in value):
            items = [value]
    else:
        items = value
    return items if isinstance(items, list) and items else None


def _relax(s: str) -> str:
    # Python's json accepts NaN/Infinity already; models also write trailing commas.
    return re.sub(r",\s*([}\]])", r"\1", s)


def _clean_score(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip().rstrip("%"))
        except ValueError:
            return None
    if not isinstance(value, (int, float)):
        return None
    v = float(value)
    if math.isnan(v) or math.isinf(v):
        return None
    return max(v, 0.0)


def normalise_predicate(name: str) -> str:
    """Canonical form for comparing predicate names (case and spaces ignored)."""
    return re.sub(r"\s+", "", str(name)).lower()


def parse_plan(
    text: str,
    instruction: str,
    expert_names: Sequence[str],
    predicates: Iterable[str] = (),
    *,
    tau: float = DEFAULT_TAU,
    backend: str = "",
    max_chars: int = MAX_RESPONSE_CHARS,
    objects: Iterable[str] | None = None,
) -> SemanticPlan:
    """Turn a model answer into a plan over ``expert_names``.

    Rules: unknown expert names are dropped with a warning; NaN, infinite or non-numeric scores
    count as missing; negative scores are clipped to 0; experts a sub-goal does not score get
    score 0 (the softmax still gives them a small weight, as in the paper); a sub-goal with no
    positive score gets equal weights, with a warning; a predicate that the task does not
    publish is dropped with a warning. Scores above 1 are accepted (some models use 0-10): they
    are rescaled by the largest score so tau keeps its meaning. Descriptions are cleaned of
    control characters and capped at :data:`MAX_DESCRIPTION_CHARS`.

    Args:
        text: raw model answer.
        instruction: the instruction the plan answers.
        expert_names: the experts available, in order.
        predicates: the completion predicates the task publishes.
        tau: softmax temperature over scores.
        backend: name recorded in the plan.
        max_chars: longest answer accepted (:data:`MAX_RESPONSE_CHARS`).
        objects: the scene objects a ``target`` or ``destination`` may name; one the scene does
            not have is dropped with a warning. ``None`` (scene unknown) keeps what the model says.

    Returns:
        The parsed plan.

    Raises:
        PlanParseError: when the answer is too long or too deeply nested, or when no sub-goal
            with a usable score survives.
    """
    names = list(expert_names)
    if not names:
        raise ValueError("expert_names is empty")
    lookup = {n.lower(): n for n in names}
    preds = {normalise_predicate(p): p for p in predicates}
    known_objects = None if objects is None else {str(o).strip().lower(): str(o) for o in objects}
    if isinstance(text, str):
        check_response(text, max_chars)
    extract_json(text)  # raises with the right message when nothing decodes
    items = next((it for it in map(_plan_items, iter_json(text)) if it is not None), None)
    if items is None:
        raise PlanParseError("response JSON has no 'subgoals' list")
    subgoals: list[SubGoal] = []
    unknown: set[str] = set()
    bad_scores = 0
    no_positive: list[int] = []
    for k, item in enumerate(items):
        if not isinstance(item, Mapping):
            continue
        raw_scores = item.get("scores", item.get("weights"))
        if not isinstance(raw_scores, Mapping):
            continue
        scores: dict[str, float] = {}
        for key, val in raw_scores.items():
            name = lookup.get(str(key).strip().lower())
            if name is None:
                unknown.add(str(key))
                continue
            s = _clean_score(val)
            if s is None:
                bad_scores += 1
                continue
            scores[name] = s
        if not scores:
            continue
        vec = np.array([scores.get(n, 0.0) for n in names])
        top = float(vec.max())
        if top > 1.0:
            vec = vec / top
        elif top <= 0.0:
            no_positive.append(len(subgoals) + 1)
        w = scores_to_weights(vec, tau)
        pred = item.get("predicate", item.get("done_when"))
        chosen = None
        if isinstance(pred, str) and pred.strip() and pred.strip().lower() not in {"null", "none"}:
            chosen = preds.get(normalise_predicate(pred))
            if chosen is None:
                warnings.warn(
                    f"plan sub-goal {k}: predicate {clean_text(pred, 60)!r} is not published by the task "
                    f"(known: {', '.join(preds.values()) or 'none'}); ignoring it",
                    stacklevel=2,
                )
        desc = clean_text(item.get("description") or item.get("goal") or "", MAX_DESCRIPTION_CHARS)
        roles = {role: _object_name(item.get(role), known_objects, k, role) for role in ("target", "destination")}
        subgoals.append(
            SubGoal(
                description=desc or f"sub-goal {k + 1}",
                weights={n: float(x) for n, x in zip(names, w)},
                predicate=chosen,
                scores={n: float(x) for n, x in zip(names, vec)},
                implied=item.get("implied") is True,
                **roles,
            )
        )
    if unknown:
        shown = sorted(clean_text(u, 40) for u in unknown)
        more = f" and {len(shown) - 10} more" if len(shown) > 10 else ""
        warnings.warn(
            f"plan names unknown expert(s) {shown[:10]}{more}; dropped (known: {', '.join(names)})",
            stacklevel=2,
        )
    if bad_scores:
        warnings.warn(f"plan had {bad_scores} NaN or non-numeric score(s); treated as 0", stacklevel=2)
    if no_positive:
        warnings.warn(
            f"plan sub-goal(s) {', '.join(map(str, no_positive))}: the model gave no positive score "
            "(negative scores count as 0); every expert gets the same weight there",
            stacklevel=2,
        )
    if not subgoals:
        raise PlanParseError("no sub-goal had a usable score for a known expert")
    return SemanticPlan(instruction=instruction, subgoals=subgoals, backend=backend, raw=text)


def _object_name(value: Any, known: Mapping[str, str] | None, k: int, role: str) -> str | None:
    """A sub-goal's target or destination from the answer: a scene object's name or ``None``."""
    if not isinstance(value, str) or not value.strip() or value.strip().lower() in {"null", "none"}:
        return None
    name = clean_text(value.strip(), 60)
    if known is None:
        return name
    found = known.get(name.lower())
    if found is None:
        warnings.warn(
            f"plan sub-goal {k}: {role} {name!r} is not an object of the scene "
            f"(known: {', '.join(known.values()) or 'none'}); ignoring it",
            stacklevel=3,
        )
    return found


def plan_to_json(plan: SemanticPlan) -> str:
    """The validated content of ``plan`` in the answer schema (description, scores, predicate).

    :func:`parse_plan` reads it back to the same sub-goals and weights (for the same tau), so
    the response cache stores this rather than the model's raw reply.
    """
    return json.dumps(
        {
            "subgoals": [
                {"description": sg.description, "scores": dict(sg.scores), "predicate": sg.predicate,
                 "target": sg.target, "destination": sg.destination, **({"implied": True} if sg.implied else {})}
                for sg in plan.subgoals
            ]
        },
        ensure_ascii=False,
        allow_nan=False,
    )
