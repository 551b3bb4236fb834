"""MJCF models shipped with mwx: the Unitree H1 built from primitives and one scene per task.

Every scene is a complete model (floor, light, robot, task objects, keyframes) whose body,
joint, geom and site names match the HumanoidBench ``h1_pos_<task>.xml`` environments, so the
same task code runs on either model. Load a scene with
``mujoco.MjModel.from_xml_path(str(scene_path("stand")))``; the ``<include>`` paths resolve
relative to the scene file.
"""

from __future__ import annotations

import os
from pathlib import Path

ASSETS_DIR = Path(__file__).resolve().parent

#: Robots with a model in this package (folder name under ``assets/``).
ROBOTS: tuple[str, ...] = ("h1",)

#: Tasks with a scene for every robot in ``ROBOTS``.
TASKS: tuple[str, ...] = (
    "stand",
    "walk",
    "run",
    "crawl",
    "sit_simple",
    "sit_hard",
    "reach",
    "door",
    "push",
    "package",
    "truck",
    "basketball",
)

#: Environment variable naming a HumanoidBench ``assets`` folder (the one holding ``envs/``).
HB_ASSETS_ENV = "MWX_HB_ASSETS"


def scene_path(task: str, robot: str = "h1") -> Path:
    """Return the path of the bundled scene for ``task``.

    Args:
        task: Task name, one of ``TASKS`` (e.g. ``"stand"``, ``"sit_hard"``).
        robot: Robot model; only ``"h1"`` is bundled.

    Returns:
        Absolute path of the scene MJCF file.

    Raises:
        ValueError: If the robot or task is unknown; the message lists the valid names.
    """
    if robot not in ROBOTS:
        raise ValueError(f"unknown robot {robot!r}: bundled robots are {', '.join(ROBOTS)}")
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r} for robot {robot!r}: valid tasks are {', '.join(TASKS)}")
    path = ASSETS_DIR / robot / f"{robot}_{task}.xml"
    if not path.is_file():
        raise FileNotFoundError(f"scene file {path} is missing: reinstall mwx-sdk (package data not installed?)")
    return path


def _reference_roots(root: str | os.PathLike[str] | None) -> list[Path]:
    if root is not None:
        return [Path(root)]
    env = os.environ.get(HB_ASSETS_ENV)
    if env:
        return [Path(env)]
    rel = Path("..") / "shared" / "reference" / "humanoid_bench" / "assets"
    repo_root = ASSETS_DIR.parents[2]
    return [repo_root / rel, Path.cwd() / rel]


def reference_scene_path(task: str, root: str | os.PathLike[str] | None = None) -> Path | None:
    """Locate the HumanoidBench reference scene ``envs/h1_pos_<task>.xml`` if it is available.

    Args:
        task: Task name as used by HumanoidBench (e.g. ``"stand"``).
        root: A HumanoidBench ``assets`` folder. Defaults to ``$MWX_HB_ASSETS`` or, failing
            that, ``../shared/reference/humanoid_bench/assets`` next to the repository.

    Returns:
        The path of the reference scene, or None when it is not present.
    """
    for base in _reference_roots(root):
        path = base / "envs" / f"h1_pos_{task}.xml"
        if path.is_file():
            return path.resolve()
    return None


__all__ = ["ASSETS_DIR", "HB_ASSETS_ENV", "ROBOTS", "TASKS", "reference_scene_path", "scene_path"]
