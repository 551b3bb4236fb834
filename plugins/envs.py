"""Bundled env provider: the built-in tasks (``mwx/h1-<task>-v0``) and HumanoidBench pass-through ids."""

from __future__ import annotations

from mwx_sdk import hookimpl


@hookimpl
def register_tasks(register):
    """Register the bundled tasks (each brings its ``mwx/h1-<task>-v0`` id)."""
    # numpy and gymnasium only: mujoco is imported when an env is built
    from mwx_sdk.task import builtin_tasks

    for task in builtin_tasks():
        register(task)


@hookimpl
def register_envs(register):
    """Register the HumanoidBench ids (``h1-walk-v0``, ...)."""
    from mwx_sdk.envs.humanoid_bench import register_humanoid_bench_ids

    register_humanoid_bench_ids(register)
