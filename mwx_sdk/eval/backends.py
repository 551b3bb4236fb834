"""Run many episodes: in-process, in a local process pool, or on a Ray cluster.

Each task is an :class:`~mwx_sdk.eval.spec.EpisodeSpec`; the worker builds its own env and agent
from it (nothing heavy is pickled) and returns the result dictionary. Seeding depends only on
the spec, so every backend gives the same numbers for the same seeds (timings aside).

Backends:
- ``local`` with ``workers = 1``: episodes run one after another in this process.
- ``local`` with ``workers > 1``: ``concurrent.futures.ProcessPoolExecutor`` with the *spawn*
  start method (a fresh interpreter per worker: no forked MuJoCo/OpenGL/torch state).
- ``ray``: one Ray task per episode (``num_cpus = 1``) on ``ray.init(address=...)``, or on a
  local Ray instance with ``workers`` CPUs when no address is given.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from .episode import run_episode
from .spec import EpisodeSpec

__all__ = ["BACKENDS", "run_many"]

BACKENDS = ("local", "ray")

OnResult = Callable[[int, dict], None]


def _run(spec: EpisodeSpec, keep_trace: bool, record_errors: bool = False) -> dict:
    if not record_errors:
        return run_episode(spec, keep_trace=keep_trace)
    try:
        return run_episode(spec, keep_trace=keep_trace)
    except Exception as exc:  # noqa: BLE001 - one failing (task, method) must not stop a whole suite
        return {**spec.tags, "seed": int(spec.seed), "error": f"{type(exc).__name__}: {exc}"}


def run_many(
    specs: Sequence[EpisodeSpec],
    *,
    workers: int = 1,
    backend: str = "local",
    ray_address: str | None = None,
    keep_trace: bool = True,
    on_result: OnResult | None = None,
    record_errors: bool = False,
) -> list[dict]:
    """Run ``specs`` and return their results in the same order.

    Args:
        specs: the episodes.
        workers: parallel episodes (local processes, or CPUs of a local Ray instance).
        backend: ``"local"`` or ``"ray"``.
        ray_address: address of an existing Ray cluster (``"auto"``, ``"ray://host:10001"``);
            ``None`` starts a local instance.
        keep_trace: keep per-step traces in the results (for plots).
        on_result: called as ``on_result(index, result)`` when each episode finishes, in
            completion order (used to save results as they arrive).
        record_errors: return ``{..tags, "seed", "error": message}`` for an episode that raises
            instead of raising (suites keep going past a method that cannot run a task).

    Returns:
        One result dictionary per spec, ordered like ``specs``.
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; use one of {', '.join(BACKENDS)}")
    if int(workers) < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    if not specs:
        return []
    if backend == "ray":
        return _run_ray(specs, int(workers), ray_address, keep_trace, on_result, record_errors)
    if int(workers) == 1:
        results = []
        for i, spec in enumerate(specs):
            res = _run(spec, keep_trace, record_errors)
            if on_result is not None:
                on_result(i, res)
            results.append(res)
        return results
    return _run_pool(specs, int(workers), keep_trace, on_result, record_errors)


def _run_pool(specs: Sequence[EpisodeSpec], workers: int, keep_trace: bool, on_result: OnResult | None,
              record_errors: bool) -> list[dict]:
    import multiprocessing as mp
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    results: list[dict | None] = [None] * len(specs)
    ctx = mp.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(specs)), mp_context=ctx) as pool:
        pending = {pool.submit(_run, spec, keep_trace, record_errors): i for i, spec in enumerate(specs)}
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    i = pending.pop(fut)
                    results[i] = fut.result()
                    if on_result is not None:
                        on_result(i, results[i])
        except BaseException:
            for fut in pending:
                fut.cancel()
            raise
    return results  # type: ignore[return-value]


def _driver_paths() -> list[str]:
    """This interpreter's import path outside the installed environment (checkouts, tests).

    Ray workers start from the installed environment only; passing these paths gives them the
    same view of the code as the driver, as the spawn start method does for local workers.
    """
    prefixes = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    out = []
    for p in sys.path:
        rp = os.path.realpath(p or os.getcwd())
        if os.path.isdir(rp) and not any(rp.startswith(pre + os.sep) or rp == pre for pre in prefixes):
            out.append(rp)
    return out


def _run_ray(specs: Sequence[EpisodeSpec], workers: int, address: str | None, keep_trace: bool,
             on_result: OnResult | None, record_errors: bool) -> list[dict]:
    try:
        import ray
    except ImportError as exc:
        raise RuntimeError("the ray backend needs Ray: pip install 'mwx-sdk[ray]'") from exc

    if not ray.is_initialized():
        env_vars = {"PYTHONPATH": os.pathsep.join(_driver_paths())}
        for key in ("MUJOCO_GL", "PYOPENGL_PLATFORM", "MWX_PLUGINS", "MWX_STRICT_PLUGINS"):
            if key in os.environ:
                env_vars[key] = os.environ[key]
        kwargs: dict[str, Any] = {
            "include_dashboard": False,
            "log_to_driver": False,
            "runtime_env": {"env_vars": env_vars},
        }
        if address:
            kwargs["address"] = address
        else:
            kwargs["num_cpus"] = workers
        ray.init(**kwargs)
    remote = ray.remote(num_cpus=1)(_run)
    refs = [remote.remote(spec, keep_trace, record_errors) for spec in specs]
    index = {ref: i for i, ref in enumerate(refs)}
    results: list[dict | None] = [None] * len(specs)
    pending = list(refs)
    try:
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            for ref in done:
                i = index[ref]
                results[i] = ray.get(ref)
                if on_result is not None:
                    on_result(i, results[i])
    except BaseException:
        for ref in pending:
            ray.cancel(ref, force=True)
        raise
    return results  # type: ignore[return-value]
