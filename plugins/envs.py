"""Bundled env provider: the built-in ``mwx/h1-<task>-v0`` tasks and HumanoidBench pass-through ids."""

from __future__ import annotations

from mwx_sdk import hookimpl


@hookimpl
def register_envs(register):
    """Register ``mwx/h1-<task>-v0`` and the HumanoidBench ids (``h1-walk-v0``, ...)."""
    # gymnasium only: mujoco is imported when an env is built
    from mwx_sdk.envs.humanoid_bench import register_humanoid_bench_ids
    from mwx_sdk.envs.registration import register_builtin_envs

    register_builtin_envs(register)
    register_humanoid_bench_ids(register)
