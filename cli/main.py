"""Entry point of the ``mwx`` command line.

Command groups live one per module in this package and are joined here. Modules imported at
start-up may import only typer, rich and the standard library at top level: ``mwx --help``
must not pull in torch or mujoco.
"""

from __future__ import annotations

import importlib
import sys

import typer

from mwx_sdk import __version__

from ._errors import MwxGroup, error_line

# MwxGroup gives every command, built-in or a plugin's, one-line input errors and plain help
app = typer.Typer(
    name="mwx",
    cls=MwxGroup,
    help="Compose humanoid skills from a sentence: experts, routers, planners and VLMs for the H1.",
    epilog='Example: mwx run "walk forward" --env mwx/h1-walk-v0 --steps 300',
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)

# (module in mwx_cli, attribute) of each command group or single command registrar.
# A module exposes either ``app`` (a Typer group, added under its ``NAME``) or
# ``register(app)`` (adds top-level commands).
_COMMAND_MODULES = [
    "plugins_cmd",
    "skills",
    "doctor",
    "motion",
    "run",
    "eval",
    "train",
    "cache",
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mwx {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """mwx: compose humanoid skills from a sentence."""


def _install_commands(root: typer.Typer) -> None:
    for name in _COMMAND_MODULES:
        module = importlib.import_module(f"mwx_cli.{name}")
        if hasattr(module, "register"):
            module.register(root)
        else:
            root.add_typer(module.app, name=module.NAME)


def _install_plugin_commands(root: typer.Typer) -> None:
    from mwx_sdk.plugins import host

    host(load=False).install_commands(root)


_install_commands(app)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI (console script ``mwx``)."""
    from mwx_sdk.plugins import PluginError

    try:
        _install_plugin_commands(app)
    except PluginError as exc:  # MWX_STRICT_PLUGINS=1 and a plugin is broken: no command can run
        typer.echo(error_line(exc), err=True)
        raise SystemExit(2) from None
    app(args=argv if argv is not None else sys.argv[1:], prog_name="mwx")


if __name__ == "__main__":
    main()
