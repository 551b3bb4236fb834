"""Exceptions that mean bad input (a name, a file, a value), shown as one line without a traceback."""

from __future__ import annotations

import typer


def input_errors() -> tuple[type[BaseException], ...]:
    """The exception types a command reports as ``error: ...`` and exit code 2.

    Unknown component names, unknown or unbuildable environment ids, invalid agent files, missing
    files and unusable OpenGL backends all carry messages that say what to do; anything else is a
    bug and keeps its traceback. gymnasium is imported here, not at module level, so ``mwx --help``
    stays light.
    """
    from mwx_sdk.config import ConfigError
    from mwx_sdk.envs.render import RenderError
    from mwx_sdk.plugins import UnknownComponentError

    errors: list[type[BaseException]] = [UnknownComponentError, ConfigError, FileNotFoundError, RenderError]
    try:
        from gymnasium.error import Error as GymnasiumError
    except ImportError:  # gymnasium missing: env construction reports that itself
        pass
    else:
        errors.append(GymnasiumError)
    return tuple(errors)


def fail(msg: object, code: int = 2) -> None:
    """Print ``error: msg`` to stderr and exit with ``code``."""
    typer.echo(f"error: {msg}", err=True)
    raise typer.Exit(code)
