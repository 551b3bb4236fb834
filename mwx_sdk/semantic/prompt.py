"""The MetaWorld planning prompt.

The VLM does not output actions: it scores a library of experts (the functional basis) for each
sub-goal of the instruction, and picks how each sub-goal is known to be done from the predicates
the task publishes. The answer must be strict JSON::

    {"subgoals": [
        {"description": "walk to the chair",
         "scores": {"walk": 0.9, "stand": 0.2, "sit": 0.1},
         "predicate": "near(chair)", "target": "chair", "destination": null},
        ...]}

Scores are in [0, 1]; the parser turns them into weights with a temperature softmax.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..interfaces import ExpertSpec

SYSTEM_PROMPT = (
    "You are the semantic planner of a humanoid robot. The robot acts by blending a library of "
    "expert skills. Split the user's instruction into ordered sub-goals. For each sub-goal, score "
    "EVERY expert from 0.0 (irrelevant) to 1.0 (exactly the right skill), and choose the "
    "completion predicate (from the given list, or null) that becomes true when the sub-goal is "
    "done. When the sub-goal acts on a scene object, name it as its target (from the given list "
    "of objects), and where it goes or where to as its destination; null otherwise. Reply with "
    "ONE JSON object and nothing else, of the form "
    '{"subgoals": [{"description": str, "scores": {expert_name: number}, '
    '"predicate": str or null, "target": str or null, "destination": str or null}]}.'
)


def state_summary_text(state: Mapping[str, Any] | None, max_items: int = 24) -> str:
    """A compact, deterministic text rendering of a state summary for the prompt.

    Floats are rounded to 3 decimals and arrays to at most 8 values, so small numerical noise
    does not defeat the response cache more than necessary.

    Args:
        state: name -> value (numbers, strings, bools, short arrays).
        max_items: keep at most this many entries.

    Returns:
        One ``name: value`` per line (empty string when there is no state).
    """
    if not state:
        return ""
    lines = []
    for name in sorted(state)[:max_items]:
        lines.append(f"{name}: {_fmt(state[name])}")
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return "nan" if math.isnan(v) else f"{v:.3f}"
    if isinstance(value, (list, tuple, np.ndarray)):
        arr = np.asarray(value).ravel()
        if arr.dtype.kind in "fiub":
            vals = ", ".join(f"{float(x):.3f}" for x in arr[:8])
            return f"[{vals}{', ...' if arr.size > 8 else ''}]"
        return json.dumps([str(x) for x in arr[:8]])
    return str(value)[:200]


def encode_png(image: np.ndarray) -> tuple[str, str]:
    """Encode an RGB image as a PNG data URL.

    Args:
        image: ``(H, W, 3)`` uint8 array.

    Returns:
        ``(data_url, sha256_hex)`` where the hash is over the raw pixels and shape.
    """
    arr = np.ascontiguousarray(image)
    if arr.ndim != 3 or arr.shape[2] not in (3, 4) or arr.dtype != np.uint8:
        raise ValueError(f"image must be an (H, W, 3) uint8 array, got {arr.dtype} {arr.shape}")
    import imageio.v3 as iio

    sha = hashlib.sha256(repr(arr.shape).encode() + arr.tobytes()).hexdigest()
    buf = io.BytesIO()
    iio.imwrite(buf, arr[..., :3], extension=".png")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii"), sha


def user_text(
    instruction: str,
    experts: Sequence[ExpertSpec],
    predicates: Sequence[str] = (),
    state: Mapping[str, Any] | None = None,
) -> str:
    """The user message text: instruction, expert library, predicates and state."""
    lines = [f"Instruction: {instruction.strip()}", "", "Experts:"]
    for e in experts:
        desc = " ".join(e.description.split())
        tags = f" [tags: {', '.join(e.tags)}]" if e.tags else ""
        lines.append(f"- {e.name}: {desc}{tags}")
    lines += ["", "Completion predicates: " + (", ".join(predicates) if predicates else "(none)")]
    objects = (state or {}).get("objects")
    if isinstance(objects, Mapping):
        shown = [f"{k} (also: {', '.join(v)})" if v else str(k) for k, v in objects.items()]
        lines += ["Scene objects: " + (", ".join(shown) if shown else "(none)")]
        state = {k: v for k, v in state.items() if k != "objects"}
    summary = state_summary_text(state)
    if summary:
        lines += ["", "Current state:", summary]
    names = ", ".join(f'"{e.name}"' for e in experts)
    lines += [
        "",
        f"Score every expert ({names}) for every sub-goal. Answer with the JSON object only.",
    ]
    return "\n".join(lines)


def build_messages(
    instruction: str,
    experts: Sequence[ExpertSpec],
    predicates: Sequence[str] = (),
    state: Mapping[str, Any] | None = None,
    image_url: str | None = None,
) -> list[dict[str, Any]]:
    """OpenAI-style chat messages for the planning request.

    Args:
        instruction: the user's instruction.
        experts: the expert library, with descriptions.
        predicates: completion predicates the task publishes.
        state: compact state summary.
        image_url: a ``data:image/png;base64,...`` URL, included only when given.

    Returns:
        ``[system, user]`` messages; the user content is a list of parts when an image is sent.
    """
    if not instruction or not instruction.strip():
        raise ValueError("instruction is empty; pass a sentence such as 'walk forward'")
    if not experts:
        raise ValueError("no experts to plan over; compose at least one expert")
    text = user_text(instruction, experts, predicates, state)
    content: Any = text
    if image_url:
        content = [
            {"type": "text", "text": text},
            {"type": "image_url", "image_url": {"url": image_url}},
        ]
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": content}]
