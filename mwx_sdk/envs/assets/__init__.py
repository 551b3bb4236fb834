"""MJCF models shipped with mwx: two models of the Unitree H1 and one scene per task and model.

Every scene is a complete model (floor, light, robot, task objects, keyframes) whose body,
joint, geom and site names match the HumanoidBench ``h1_pos_<task>.xml`` environments, so the
same task code runs on either model. Load a scene with
``mujoco.MjModel.from_xml_path(str(scene_path("stand")))``; the ``<include>`` paths resolve
relative to the scene file.

The H1 comes in two variants (:data:`VARIANTS`), with the same kinematics, inertials and
actuators:

- ``"mesh"`` (the default, ``h1/h1_mesh.xml``): the links collide with the convex hulls of
  Unitree's link meshes (``h1/meshes/``, BSD-3, see ``h1/meshes/NOTICE``), as in
  HumanoidBench; it steps exactly like HumanoidBench's own scenes, so results compare with
  the published ones;
- ``"primitive"`` (``h1/h1.xml``): collision shapes are capsules, cylinders and boxes; cheaper
  to simulate, but its contacts differ from HumanoidBench's (``bench/parity.py``).

A scene is ``h1/h1_mesh_<task>.xml`` (mesh) or ``h1/h1_<task>.xml`` (primitive): it sets the
physics options and includes the world (``world.xml``), the robot and the task's part
(``task_<task>.xml``: objects, sensors, keyframes), which both variants share.
"""

from __future__ import annotations

import os
from pathlib import Path

ASSETS_DIR = Path(__file__).resolve().parent

#: Robots with a model in this package (folder name under ``assets/``).
ROBOTS: tuple[str, ...] = ("h1",)

#: Model variants of every robot: the first is the default (see the module docstring).
VARIANTS: tuple[str, ...] = ("mesh", "primitive")
DEFAULT_VARIANT = VARIANTS[0]

#: Tasks with a scene for every robot in ``ROBOTS`` and every variant in ``VARIANTS``.
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
    "walk_sit",
    "door_wall",
    "box_table",
)

#: Environment variable naming a HumanoidBench ``assets`` folder (the one holding ``envs/``).
HB_ASSETS_ENV = "MWX_HB_ASSETS"


def scene_path(task: str, robot: str = "h1", variant: str = DEFAULT_VARIANT) -> Path:
    """Return the path of the bundled scene for ``task``.

    Args:
        task: Task name, one of ``TASKS`` (e.g. ``"stand"``, ``"sit_hard"``).
        robot: Robot model; only ``"h1"`` is bundled.
        variant: Model variant, one of ``VARIANTS`` (``"primitive"`` or ``"mesh"``).

    Returns:
        Absolute path of the scene MJCF file.

    Raises:
        ValueError: If the robot, task or variant is unknown; the message lists the valid names.
    """
    if robot not in ROBOTS:
        raise ValueError(f"unknown robot {robot!r}: bundled robots are {', '.join(ROBOTS)}")
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r} for robot {robot!r}: valid tasks are {', '.join(TASKS)}")
    if variant not in VARIANTS:
        raise ValueError(f"unknown model variant {variant!r}: valid variants are {', '.join(VARIANTS)}")
    stem = robot if variant == "primitive" else f"{robot}_{variant}"
    path = ASSETS_DIR / robot / f"{stem}_{task}.xml"
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


__all__ = ["ASSETS_DIR", "DEFAULT_VARIANT", "HB_ASSETS_ENV", "ROBOTS", "TASKS", "VARIANTS", "reference_scene_path",
           "scene_path"]
