"""How much ``mwx run`` and ``mwx eval`` say, and where: ``-q``, ``-v`` and ``--json``.

Three levels: :data:`QUIET` prints only the final line, :data:`NORMAL` what the commands have
always printed, :data:`VERBOSE` also each sub-goal and every component's resolved settings.
With ``--json`` stdout carries one JSON object and nothing else, so a script can read it with
``json.loads``: what the level prints before the result goes to stderr instead.

Only typer and the standard library are imported at module level (``mwx --help`` stays light).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import asdict, is_dataclass
from typing import Any

import typer

from ._errors import fail

QUIET, NORMAL, VERBOSE = 0, 1, 2

JSON_HELP = "Print the result as one JSON object on stdout; progress and other text go to stderr."


def verbosity(quiet: bool, verbose: bool) -> int:
    """The level asked for by ``-q`` / ``-v`` (both at once is bad input)."""
    if quiet and verbose:
        fail("--quiet and --verbose exclude each other; give one of them")
    return QUIET if quiet else VERBOSE if verbose else NORMAL


def _flush_c_stdout() -> None:
    # C code (MuJoCo, GL drivers) buffers its own stdout; what it holds must leave before fd 1 moves
    try:
        import ctypes

        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError, TypeError):  # no C library to reach (Windows): nothing buffered there
        pass


@contextlib.contextmanager
def stdout_to_stderr(active: bool = True) -> Iterator[None]:
    """Send everything the block writes to stdout to stderr, Python's and C libraries' alike.

    Used under ``--json``, where stdout must hold nothing but the JSON printed after the block.
    A captured ``sys.stdout`` without a file descriptor (the test runner's) is redirected in
    Python only.
    """
    if not active:
        yield
        return
    sys.stdout.flush()
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both
        fd = None
    saved = None
    if fd is not None:
        _flush_c_stdout()
        saved = os.dup(fd)
        os.dup2(sys.stderr.fileno(), fd)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        sys.stderr.flush()
        if saved is not None:
            _flush_c_stdout()
            os.dup2(saved, fd)
            os.close(saved)


def emit_json(obj: Any) -> None:
    """Print ``obj`` as strict JSON on stdout (NaN and infinities become null)."""
    from mwx_sdk.eval.io import jsonable

    typer.echo(json.dumps(jsonable(obj), indent=2, allow_nan=False, default=str))


def settings_of(component: Any) -> dict[str, Any]:
    """A component's resolved settings: the fields of its ``config`` dataclass ({} without one)."""
    cfg = getattr(component, "config", None)
    if is_dataclass(cfg) and not isinstance(cfg, type):
        return asdict(cfg)
    return {}


def settings_text(settings: dict[str, Any]) -> str:
    """``key=value`` pairs on one line (``(no settings)`` when there are none)."""
    if not settings:
        return "(no settings)"
    return ", ".join(f"{k}={v!r}" for k, v in settings.items())
