"""Evaluation: seeded episodes, metrics, reports, the papers' tables and scale-out.

- :func:`run_episode` runs one :class:`EpisodeSpec` and measures it (returns, success, falls,
  timing, naturalness); :func:`run_many` runs many on a local process pool or on Ray;
- :func:`write_eval_report` writes JSON, CSV, markdown and plots;
- :func:`run_suite` builds the MetaWorld / MetaWorld-X tables (tasks x methods x seeds);
- :func:`convergence_step` finds the convergence step of a training curve.

Names resolve lazily so ``import mwx_sdk.eval`` stays light.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_LAZY = {
    "EnvSpec": "spec",
    "AgentSpec": "spec",
    "EpisodeSpec": "spec",
    "parse_seeds": "spec",
    "build_agent": "spec",
    "build_env": "spec",
    "run_episode": "episode",
    "run_many": "backends",
    "summarize": "metrics",
    "Summary": "metrics",
    "write_eval_report": "report",
    "SuiteConfig": "suite",
    "run_suite": "suite",
    "METHODS": "methods",
    "SUITE_TASKS": "methods",
    "convergence_step": "convergence",
    "convergence_from_file": "convergence",
    "load_curve": "convergence",
}

__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'mwx_sdk.eval' has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{mod}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
