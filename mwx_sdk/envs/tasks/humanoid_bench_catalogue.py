"""HumanoidBench's own task catalogue: every task of the benchmark with its episode length and
success bar, and which robot variants (``h1``, ``h1hand``) have it. The pass-through adapter
(:mod:`mwx_sdk.envs.humanoid_bench`) reads it for ids the project has no task of its own for
(``h1hand-cabinet-v0``, ...); the bundled tasks state their own figures in their modules.
"""

from __future__ import annotations

# task -> (max_episode_steps, success_bar), from the HumanoidBench environment table
HB_TASKS: dict[str, tuple[int, float]] = {
    "stand": (1000, 800.0), "walk": (1000, 700.0), "run": (1000, 700.0), "crawl": (1000, 700.0),
    "hurdle": (1000, 700.0), "stair": (1000, 700.0), "slide": (1000, 700.0), "pole": (1000, 700.0),
    "maze": (1000, 1200.0), "sit_simple": (1000, 750.0), "sit_hard": (1000, 750.0),
    "balance_simple": (1000, 800.0), "balance_hard": (1000, 800.0), "reach": (1000, 12000.0),
    "door": (1000, 600.0), "push": (500, 700.0), "package": (1000, 1500.0), "truck": (1000, 3000.0),
    "basketball": (500, 1200.0), "highbar_simple": (1000, 750.0), "cabinet": (1000, 2500.0),
    "cube": (500, 370.0), "powerlift": (1000, 800.0), "bookshelf_simple": (1000, 2000.0),
    "bookshelf_hard": (1000, 2000.0), "window": (1000, 650.0), "spoon": (1000, 650.0),
    "room": (1000, 400.0), "insert_normal": (500, 350.0), "insert_small": (500, 350.0),
}
_H1_ONLY = {"highbar_simple"}
# tasks whose info carries their own success flag (the others are judged by return vs bar)
_OWN_SUCCESS = {"push", "package", "truck", "basketball", "cabinet", "bookshelf_simple", "bookshelf_hard"}
_H1HAND_ONLY = {"cabinet", "cube", "powerlift", "bookshelf_simple", "bookshelf_hard", "window", "spoon", "room",
                "insert_normal", "insert_small"}
