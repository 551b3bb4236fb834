"""Each task is defined in one place, its module: no table keyed by task names elsewhere."""

from __future__ import annotations

import ast
from pathlib import Path

from mwx_sdk.task import builtin_tasks

ROOT = Path(__file__).resolve().parents[2]
#: where task knowledge lives: the task modules (and HumanoidBench's own task catalogue)
TASK_MODULES = ROOT / "mwx_sdk" / "envs" / "tasks"
SKILLS = {"stand", "walk", "run", "sit", "carry", "reach", "stand-neural"}
SOURCES = [ROOT / d for d in ("mwx_sdk", "plugins", "skills", "cli", "bench", "scripts")]


def _task_keyed_tables(path: Path, names: set[str]) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        keys: list[str] = []
        if isinstance(node, ast.Dict):
            keys = [k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "dict":
            keys = [kw.arg for kw in node.keywords if kw.arg]
        hits = sorted(set(keys) & names)
        # stand, walk, run and reach name skills too: a table is a task table when it also names a
        # task that is no skill (sit_simple, door, push ...)
        if len(hits) >= 2 and set(hits) - SKILLS:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} keys {hits}")
    return found


def test_no_table_keyed_by_task_name_outside_the_task_modules():
    names = {t.name for t in builtin_tasks()}
    offenders = []
    for src in SOURCES:
        for path in sorted(src.rglob("*.py")):
            if TASK_MODULES in path.parents:
                continue
            offenders += _task_keyed_tables(path, names)
    assert not offenders, "task knowledge belongs in the task's module (mwx_sdk/envs/tasks):\n" + "\n".join(offenders)


def test_the_scan_finds_a_table():
    """The check itself works: a table keyed by task names is caught."""
    import tempfile

    names = {t.name for t in builtin_tasks()}
    with tempfile.TemporaryDirectory(dir=ROOT) as tmp:
        p = Path(tmp) / "table.py"
        p.write_text('SPEED = {"walk": 1.0, "door": 5.0}\nOTHER = dict(stand=1, sit_simple=2)\n')
        assert len(_task_keyed_tables(p, names)) == 2


def test_each_bundled_task_reads_in_one_module():
    for task in builtin_tasks():
        cls = task.env_class()
        assert cls.task_def is task and cls.__module__ == task.env.partition(":")[0]
        assert task.composition is not None and task.planner_reward is not None and task.planning
