"""Bad input (a name, a file, a value) shown as one ``error: ...`` line without a traceback.

There is one place that does it, so every command gets it: the root ``mwx`` group
(:class:`MwxGroup`) runs each command under :func:`reported_input_errors`. A command that
must also treat another exception type as bad input (``mwx eval`` and ``ValueError``) wraps
its body in ``with reported_input_errors(ValueError):``; the same object is a decorator.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import typer
from typer.core import TyperGroup


def input_errors() -> tuple[type[BaseException], ...]:
    """The exception types a command reports as ``error: ...`` and exit code 2.

    Unknown component names, component options the component does not take, experts that
    cannot be composed, environments that are not H1 tasks (or do not exist), invalid agent
    files, damaged checkpoints, training-run folders that would be overwritten, missing files,
    unusable OpenGL backends and plugin problems under
    ``MWX_STRICT_PLUGINS=1`` all carry messages that say what to do; anything else is a bug and
    keeps its traceback. These modules are imported here, not at module level, so
    ``mwx --help`` stays light.
    """
    from mwx_sdk.agent import CompositionError
    from mwx_sdk.config import ConfigError
    from mwx_sdk.envs.render import RenderError
    from mwx_sdk.learn.checkpoint import CheckpointError
    from mwx_sdk.learn.irm import DemosError
    from mwx_sdk.learn.runs import RunFolderError
    from mwx_sdk.plugins import ComponentOptionError, EnvMismatchError, PluginError, UnknownComponentError
    from mwx_sdk.semantic.targets import UnknownObjectError

    errors: list[type[BaseException]] = [
        UnknownComponentError, ComponentOptionError, CompositionError, EnvMismatchError, ConfigError,
        PluginError, FileNotFoundError, RenderError, CheckpointError, RunFolderError, DemosError, UnknownObjectError,
    ]
    try:
        from gymnasium.error import Error as GymnasiumError
    except ImportError:  # gymnasium missing: env construction reports that itself
        pass
    else:
        errors.append(GymnasiumError)
    return tuple(errors)


def error_line(msg: object) -> str:
    """``error: msg`` on one line (a message's own line breaks become spaces)."""
    return "error: " + (" ".join(str(msg).split()) or "invalid input")


def fail(msg: object, code: int = 2) -> None:
    """Print ``error: msg`` to stderr, on one line, and exit with ``code``."""
    typer.echo(error_line(msg), err=True)
    raise typer.Exit(code)


class _Reported:
    """Context manager and decorator: the input errors (and ``extra`` types) become :func:`fail`."""

    def __init__(self, extra: tuple[type[BaseException], ...]) -> None:
        self.extra = extra

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> bool:
        if exc is None or not isinstance(exc, Exception):
            return False
        # the types are looked up only when something went wrong (they import numpy and mujoco)
        if isinstance(exc, (*self.extra, *input_errors())):
            fail(exc)
        return False

    def __call__(self, fn: Any) -> Any:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return fn(*args, **kwargs)

        return wrapper


def reported_input_errors(*extra: type[BaseException]) -> _Reported:
    """Report input errors (plus the ``extra`` exception types) as ``error: ...`` and exit code 2.

    Use as ``with reported_input_errors(ValueError): ...`` or as a decorator.
    """
    return _Reported(tuple(extra))


_ROLE = re.compile(r":[a-z]+:`~?([^`]+)`")


def plain(text: str | None) -> str | None:
    """Help text without reStructuredText markup (``:func:`x``` and double backticks)."""
    if not text:
        return text
    return _ROLE.sub(r"\1", text).replace("``", "")


def _plain_help(command: Any) -> None:
    for attr in ("help", "short_help", "epilog"):
        if isinstance(getattr(command, attr, None), str):
            setattr(command, attr, plain(getattr(command, attr)))
    for param in getattr(command, "params", ()):
        if isinstance(getattr(param, "help", None), str):
            param.help = plain(param.help)
    for sub in getattr(command, "commands", {}).values():
        _plain_help(sub)


class MwxGroup(TyperGroup):
    """The root ``mwx`` group: plain help text and one-line input errors for every command,
    those of plugins included."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _plain_help(self)

    def invoke(self, ctx: Any) -> Any:
        with reported_input_errors():
            return super().invoke(ctx)
