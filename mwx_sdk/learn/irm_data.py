"""Instruction sets for training and checking the IRM router, and a few demonstrations.

Instructions are built from phrasings per skill combined with objects and manner words. The
held-out set uses phrasings, objects and manners that never occur in training, so agreement on
it measures generalisation rather than recall.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

PHRASES: dict[str, list[str]] = {
    "stand": [
        "stand still", "hold a steady standing pose", "stay upright and balanced", "keep your balance",
        "stand up straight", "remain standing in place", "wait here without moving", "hold still on both feet",
        "stay where you are", "be still and keep upright", "freeze and stand tall", "keep standing quietly",
    ],
    "walk": [
        "walk forward", "take a stroll ahead", "walk at a steady pace", "move forward on foot",
        "walk over there", "step forward calmly", "go for a walk", "walk ahead slowly",
        "walk across the room", "head forward at walking speed", "march forward", "proceed on foot",
    ],
    "run": [
        "run forward", "sprint ahead", "jog quickly", "run as fast as you can", "dash forward",
        "race ahead", "run fast", "go for a run", "hurry forward running", "break into a sprint",
        "run quickly ahead", "speed up and run",
    ],
    "sit": [
        "sit down", "take a seat", "sit on the chair", "lower yourself onto the seat", "have a seat",
        "sit on the stool", "rest sitting on the bench", "sit down on the chair", "be seated",
        "settle into the chair", "sit and rest", "crouch down onto the seat",
    ],
    "carry": [
        "carry the box", "pick up the package and carry it", "carry the crate", "hold the box and move it",
        "transport the package", "lift and carry the parcel", "carry the load", "bring the box along",
        "haul the crate", "move the package while holding it", "carry the bag", "take the box with you",
    ],
    "reach": [
        "reach for the cup", "reach out to the shelf", "stretch your arm to the target", "touch the button",
        "reach toward the ball", "extend your hand to the handle", "grab the cup", "point your hand at the target",
        "reach out and touch the wall", "reach the object on the table", "put your hand on the door handle",
        "stretch out to grasp the bottle",
    ],
}

TRAIN_MANNERS = ["", "please", "now", "carefully", "right away"]
HELD_MANNERS = ["gently", "when ready", "for me"]


def _phrases(name: str) -> list[str]:
    return PHRASES.get(name, [f"{name}", f"do the {name} skill", f"please {name}", f"{name} now",
                              f"start to {name}", f"{name} for a while"])


def instruction_sets(experts: Sequence[str], seed: int = 0, held_fraction: float = 0.3) -> tuple[list[str], list[str]]:
    """Training and held-out instructions over ``experts``.

    Args:
        experts: expert names.
        seed: shuffle seed of the phrasing split.
        held_fraction: fraction of each skill's phrasings kept for the held-out set.

    Returns:
        ``(train, heldout)`` lists of instructions.
    """
    rng = np.random.default_rng(seed)
    train, held = [], []
    for name in experts:
        ph = list(_phrases(name))
        rng.shuffle(ph)
        k = max(1, int(round(held_fraction * len(ph))))
        for p, m in itertools.product(ph[k:], TRAIN_MANNERS):
            train.append(_join(p, m))
        for p, m in itertools.product(ph[:k], HELD_MANNERS + [""]):
            held.append(_join(p, m))
    return train, held


def _join(phrase: str, manner: str) -> str:
    if not manner:
        return phrase
    return f"{manner} {phrase}" if manner == "please" else f"{phrase} {manner}"


# few successful demonstrations: instruction and the fused expert weights that achieved it
DEMONSTRATIONS: list[dict] = [
    {"instruction": "stand still and keep your balance", "weights": {"stand": 1.0}},
    {"instruction": "walk forward slowly", "weights": {"walk": 0.9, "stand": 0.1}},
    {"instruction": "run forward quickly", "weights": {"run": 0.9, "walk": 0.1}},
    {"instruction": "sit down on the chair", "weights": {"sit": 0.9, "stand": 0.1}},
    {"instruction": "carry the box forward", "weights": {"carry": 0.8, "walk": 0.2}},
    {"instruction": "reach for the cup on the table", "weights": {"reach": 0.9, "stand": 0.1}},
]
