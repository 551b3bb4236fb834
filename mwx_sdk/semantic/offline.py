"""Interprets an instruction without a VLM: split it into clauses and score each against the experts.

Each clause becomes one sub-goal. Its raw scores are min-max rescaled to [0, 1] (so the paper's
tau = 0.3 keeps the meaning it has for a VLM's 0-1 scores) and turned into weights by the same
temperature softmax. Its completion predicate is the published predicate whose words best
match the clause (:func:`choose_predicate`). Everything is deterministic.

``OfflinePlanner`` and ``OfflinePlanner.plan`` are the names :class:`OfflineInterpreter` and
:meth:`OfflineInterpreter.interpret` had before; they still work, with a ``DeprecationWarning``,
and are removed in the next minor release.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import numpy as np

from ..interfaces import ExpertSpec, SemanticPlan, SubGoal
from .clauses import split_clauses
from .lexical import tokens
from .parsing import DEFAULT_TAU, scores_to_weights
from .targets import find_targets, name_words, strip_objects


class ClauseScorer(Protocol):
    name: str

    def scores(self, clause: str, experts: Sequence[ExpertSpec]) -> np.ndarray: ...


# Words that, in a clause, express the relation a predicate head names.
_HEAD_CUES = {
    "near": {"near", "to", "toward", "towards", "approach", "reach", "next", "beside", "close"},
    "sit": {"sit"},
    "stand": {"stand", "stay", "stop"},
    "open": {"open"},
    "hold": {"hold", "carry", "pick", "lift", "grab"},
}


def _predicate_parts(pred: str) -> tuple[set[str], set[str]]:
    m = re.match(r"^\s*([A-Za-z_]+)\s*\((.*)\)\s*$", pred)
    if m:
        head, args = m.group(1), m.group(2)
        return set(tokens(head.replace("_", " "))), set(tokens(args.replace("_", " ")))
    return set(tokens(pred.replace("_", " "))), set()


def choose_predicate(clause: str, predicates: Sequence[str], mentioned: Sequence[str | None] = ()) -> str | None:
    """The published predicate that best says when ``clause`` is done, or ``None``.

    A predicate's head words (``near``, ``seated`` -> ``sit``, ``door_open``) count twice when
    the clause expresses them; its arguments (``chair`` in ``near(chair)``) count once. Ties go
    to the predicate listed first.

    Args:
        clause: one action clause.
        predicates: predicate names published by the task.
        mentioned: the scene objects the clause acts on, however it names them (its target and
            destination: "put it on the table" acts on the box that "it" refers to, so
            ``on_table(box)`` says when it is done).

    Returns:
        The chosen predicate name or ``None`` when none matches.
    """
    words = set(re.findall(r"[a-z]+", clause.lower())) | set(tokens(clause))
    # an object the clause refers to without naming it ("it") counts for less than one it names:
    # "carry it to the destination" is done near the destination, not near what is carried
    referred = set()
    for name in mentioned:
        if name:
            referred |= set(tokens(name.replace("_", " ")))
    referred -= words
    best, best_score = None, 0.0
    for pred in predicates:
        heads, args = _predicate_parts(pred)
        if args and not (args & (words | referred)):
            continue  # near(chair) says nothing about a clause that never mentions a chair
        score = 0.0
        for h in heads:
            cues = _HEAD_CUES.get(h, {h})
            if words & (cues | {h}):
                score += 2
        score += len(args & words) + 0.5 * len(args & referred)
        if score > best_score:
            best, best_score = pred, score
    return best


class OfflineInterpreter:
    """Interprets an instruction as a :class:`SemanticPlan` built from clause scores.

    Args:
        scorer: an object with ``scores(clause, experts) -> array``.
        tau: softmax temperature over rescaled scores (0.3 as in MetaWorld).
        backend: name recorded in the plans.
    """

    def __init__(self, scorer: ClauseScorer, tau: float = DEFAULT_TAU, backend: str = "offline"):
        if tau <= 0:
            raise ValueError(f"tau must be positive, got {tau}")
        self.scorer = scorer
        self.tau = float(tau)
        self.backend = backend

    def interpret(
        self, instruction: str, experts: Sequence[ExpertSpec], predicates: Sequence[str] = (),
        objects: Sequence[str] | Mapping[str, Sequence[str]] | None = None, scene: str = "this scene",
    ) -> SemanticPlan:
        """Interpret ``instruction`` over ``experts``.

        Args:
            instruction: the instruction.
            experts: expert specs, in the agent's order.
            predicates: predicates the task publishes.
            objects: the scene objects the task publishes (names, or name -> other words for
                it); each clause's target and destination are read among them
                (:func:`mwx_sdk.semantic.targets.find_targets`) and their words do not vote for
                a skill. ``None`` (no scene known) reads no targets.
            scene: the scene's name for error messages (an env id or task name).

        Returns:
            One sub-goal per clause, and before a clause that acts on an object in place (a
            non-locomotion skill, a target and no destination: "pick up the box") a walk to that
            object, marked ``implied``, where the scene publishes ``near(<object>)`` and the
            step before does not already end there. The agent passes over an implied walk that
            starts near its object.

        Raises:
            UnknownObjectError: a clause names an object the scene does not have.
        """
        if not experts:
            raise ValueError("no experts to plan over; compose at least one expert")
        moves = {e.name for e in experts if "locomotion" in e.tags}
        subgoals: list[SubGoal] = []
        previous = None
        for clause in split_clauses(instruction):
            found = find_targets(clause, objects, previous, scene)
            previous = found.target or previous
            sg = self._subgoal(clause, experts, predicates, objects, found.target, found.destination)
            near = f"near({sg.target})"
            if (sg.target is not None and sg.destination is None and near in predicates and sg.lead not in moves
                    and sg.predicate != near and not (subgoals and subgoals[-1].predicate == near)):
                # "pick up the box" from across the room: walk to it first, as a VLM would plan
                word = next(iter(name_words(sg.target)), sg.target)
                walk = self._subgoal(f"walk to the {word}", experts, predicates, objects, sg.target, None)
                subgoals.append(SubGoal(description=walk.description, weights=walk.weights, predicate=near,
                                        scores=walk.scores, target=sg.target, implied=True))
            subgoals.append(sg)
        return SemanticPlan(instruction=instruction, subgoals=subgoals, backend=self.backend)

    def _subgoal(self, clause: str, experts: Sequence[ExpertSpec], predicates: Sequence[str],
                 objects: Sequence[str] | Mapping[str, Sequence[str]] | None, target: str | None,
                 destination: str | None) -> SubGoal:
        """One clause's sub-goal: expert weights from its scores (object words left out)."""
        raw = np.asarray(self.scorer.scores(strip_objects(clause, objects) if objects else clause, experts),
                         dtype=np.float64)
        lo, hi = float(raw.min()), float(raw.max())
        scaled = (raw - lo) / (hi - lo) if hi - lo > 1e-9 else np.zeros_like(raw)
        w = scores_to_weights(scaled, self.tau)
        names = [e.name for e in experts]
        return SubGoal(description=clause, weights=dict(zip(names, w.tolist())),
                       predicate=choose_predicate(clause, predicates, (target, destination)),
                       scores=dict(zip(names, raw.tolist())), target=target, destination=destination)

    def plan(
        self, instruction: str, experts: Sequence[ExpertSpec], predicates: Sequence[str] = ()
    ) -> SemanticPlan:
        """Deprecated alias of :meth:`interpret` (removed in the next minor release)."""
        warnings.warn(
            "OfflineInterpreter.plan is deprecated: call interpret instead "
            "(plan is removed in the next minor release)",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.interpret(instruction, experts, predicates)


def _deprecated_name(module: str, name: str) -> Any:
    """``OfflinePlanner``, the old name of :class:`OfflineInterpreter`, with a warning."""
    if name == "OfflinePlanner":
        warnings.warn(
            f"{module}.OfflinePlanner is renamed OfflineInterpreter; use that name "
            "(OfflinePlanner is removed in the next minor release)",
            DeprecationWarning,
            stacklevel=3,
        )
        return OfflineInterpreter
    raise AttributeError(f"module {module!r} has no attribute {name!r}")


def __getattr__(name: str) -> Any:
    return _deprecated_name(__name__, name)
