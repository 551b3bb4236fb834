"""What a clause acts on and where to: the scene objects an instruction names.

A sub-goal names its *target* (the object the skill acts on: walk toward ``door``, reach ``box``)
and, when the clause says so, its *destination* (carry ``package`` to ``destination``). Both are
names of the objects the task publishes (:attr:`mwx_sdk.task.Task.objects`), which the agent
resolves to positions at every step.

The offline reading is rule-based and deterministic:

- an object is mentioned by its name or one of its words (``table`` for ``table``, ``package``
  for ``package_a``), by a common synonym (``cube`` for a ``box``, ``target`` for ``goal``,
  ``seat`` for ``chair``) or by the other words its task gives it (``Task.object_words``:
  ``ball`` for ``basketball``);
- the object after a destination preposition (``to``, ``onto``, ``into``, ``toward`` ...) of a
  clause that also names another object is the destination; the other one is the target;
- ``it`` / ``them`` refer to the previous clause's target, and a clause that names no object
  keeps acting on it ("sit down" after "walk to the chair", "go through" after "open the door");
- a noun phrase ``the <word>`` after an action verb or a preposition that is neither a published
  object nor a word about the robot itself is an unknown object: :class:`UnknownObjectError`
  names it and lists the scene's objects.

The words of the mentioned objects are removed before the clause is scored against the
experts, so that "walk to the chair" is read as walking, not as sitting.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["ClauseTargets", "UnknownObjectError", "find_targets", "name_words", "scene_objects", "strip_objects"]

#: Other words for common scene objects, by the object's name or one of its words; a task adds its
#: own (:attr:`mwx_sdk.task.Task.object_words`).
OBJECT_SYNONYMS: dict[str, tuple[str, ...]] = {
    "object": ("box", "cube", "block", "crate", "object"),
    "box": ("box", "cube", "block", "crate", "object", "package", "parcel"),
    "goal": ("goal", "target", "mark", "marker", "spot", "point"),
    "chair": ("chair", "seat", "stool"),
    "table": ("table", "desk", "counter"),
}

# Words after "the" that name the robot, a direction or a way of moving, not a scene object.
_NOT_OBJECTS = {
    "left", "right", "front", "back", "side", "way", "end", "middle", "center", "centre", "top",
    "bottom", "floor", "ground", "room", "robot", "hand", "hands", "arm", "arms", "leg", "legs",
    "foot", "feet", "head", "body", "torso", "same", "other", "first", "second", "next", "last",
    "rest", "moment", "time", "camera", "speed", "pace", "direction", "forward", "ahead",
}
_DEST_PREPS = ("to", "onto", "into", "toward", "towards", "on", "in", "at", "inside", "until", "near", "beside",
               "next")
_REFS = {"it", "them", "that", "this"}
_UNKNOWN_AFTER = re.compile(
    r"\b(?:to|toward|towards|onto|into|on|at|near|reach|push|pull|open|close|pick\s+up|pick|grab|lift|carry|"
    r"take|touch|approach|through|bring|put|place|sit\s+on|face)\s+(?:the|a|an)\s+([a-z]+)", re.IGNORECASE)


class UnknownObjectError(ValueError):
    """An instruction names an object the scene does not have."""


@dataclass(frozen=True)
class ClauseTargets:
    """The objects one clause names.

    Args:
        target: the object the clause acts on (a published object name), or ``None``.
        destination: where it goes or where to (a published object name), or ``None``.
    """

    target: str | None = None
    destination: str | None = None


Objects = Sequence[str] | Mapping[str, Sequence[str]]


def name_words(name: str) -> list[str]:
    """The words of an object's name, in order: ``package_a`` -> ``["package"]``."""
    return [p for p in re.split(r"[^a-z]+", name.lower()) if p and not p.isdigit() and len(p) > 1]


def _words(name: str, objects: Objects = ()) -> set[str]:
    parts = name_words(name)
    out = set(parts)
    for p in [name.lower(), *parts]:
        out |= set(OBJECT_SYNONYMS.get(p, ()))
    if isinstance(objects, Mapping):
        out |= {str(w).lower() for w in objects.get(name, ())}
    return out


def _singular(word: str) -> str:
    return word[:-1] if word.endswith("s") and not word.endswith("ss") and len(word) > 3 else word


def _mentions(clause: str, objects: Objects) -> list[tuple[int, str]]:
    """(word index, object) for each mention in ``clause``, in order; a word names the object whose
    own name it is before one it is only a synonym of."""
    words = [_singular(w) for w in re.findall(r"[a-z]+", clause.lower())]
    exact = {o: {p for p in re.split(r"[^a-z]+", o.lower()) if p and len(p) > 1} for o in objects}
    loose = {o: _words(o, objects) for o in objects}
    found: list[tuple[int, str]] = []
    for i, w in enumerate(words):
        hit = next((o for o in objects if w in exact[o] or w == o.lower()), None)
        if hit is None:
            hit = next((o for o in objects if w in loose[o]), None)
        if hit is not None and not any(o == hit for _, o in found):
            found.append((i, hit))
    return found


def find_targets(clause: str, objects: Objects | None, previous: str | None = None,
                 scene: str = "this scene") -> ClauseTargets:
    """The target and destination ``clause`` names among the scene's ``objects``.

    Args:
        clause: one action clause ("push the box to the goal").
        objects: the names of the objects the task publishes, or name -> other words for it;
            ``None`` when the scene is not known (nothing is read or checked).
        previous: the target of the clause before, for ``it`` / ``them``.
        scene: how to name the scene in an error (an env id).

    Returns:
        The clause's target and destination (``None`` where it names none).

    Raises:
        UnknownObjectError: the clause names an object the scene does not have.
    """
    if objects is None:
        return ClauseTargets()
    words = [_singular(w) for w in re.findall(r"[a-z]+", clause.lower())]
    mentions = _mentions(clause, objects)
    known_words = set().union(*(_words(o, objects) for o in objects)) if objects else set()
    for m in _UNKNOWN_AFTER.finditer(clause.lower()):
        w = _singular(m.group(1))
        if w not in known_words and w not in _NOT_OBJECTS and w not in _REFS:
            have = ", ".join(objects) if objects else "none"
            raise UnknownObjectError(
                f"the instruction names '{w}', which {scene} does not have (its objects: {have}); "
                "name one of them or pick an env with that object (--env)"
            )
    target = destination = None
    refers = previous is not None and bool(_REFS & set(words))
    if refers:
        target = previous
    for idx, obj in mentions:
        after_prep = idx > 0 and words[idx - 1 if words[idx - 1] not in ("the", "a", "an") else max(idx - 2, 0)] in _DEST_PREPS
        if target is None and not (after_prep and len(mentions) + int(refers) > 1 and idx == mentions[-1][0]):
            target = obj
        elif destination is None and obj != target:
            destination = obj
    if target is None and mentions:
        target = mentions[0][1]
    if target is None and previous is not None:
        target = previous  # "sit down" after "walk to the chair", "go through" after "open the door"
    return ClauseTargets(target=target, destination=destination)


def strip_objects(clause: str, objects: Objects) -> str:
    """``clause`` without the words that name scene objects (what remains says how to act)."""
    names = set().union(*(_words(o, objects) for o in objects)) if objects else set()
    kept = [w for w in re.findall(r"[A-Za-z]+|[^A-Za-z]+", clause) if _singular(w.lower()) not in names]
    out = "".join(kept)
    return " ".join(out.split()) or clause


def scene_objects(state: Mapping[str, object] | None) -> dict[str, tuple[str, ...]] | None:
    """The objects a state summary lists (``state["objects"]``: names, or name -> other words);
    ``None`` when it does not say (no scene known: nothing is checked against it)."""
    objs = (state or {}).get("objects")
    if isinstance(objs, Mapping):
        return {str(k): tuple(str(w) for w in (v or ())) for k, v in objs.items()}
    if isinstance(objs, (list, tuple)):
        return {str(k): () for k in objs}
    return None
