"""``mwx plugins``: what is installed and what each plugin provides."""

from __future__ import annotations

import json
import warnings

import typer


def register(app: typer.Typer) -> None:
    app.command("plugins", epilog="Example: mwx plugins --json")(plugins)


def plugins(
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
    components: bool = typer.Option(True, "--components/--no-components", help="List what each plugin registered."),
) -> None:
    """List the plugins found in the ``mwx`` entry-point group and their components."""
    from rich.console import Console
    from rich.table import Table

    from mwx_sdk.plugins import KINDS, host

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        h = host()
    problems = list(h.problems) or [str(w.message) for w in caught]
    infos = list(h.plugins.values())
    entries = [e for kind in (*KINDS, "env", "task") for e in h.entries(kind)]
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "plugins": [i.as_dict() for i in infos],
                    "components": [e.as_dict() for e in entries],
                    "problems": problems,
                },
                indent=2,
            )
        )
        return
    console = Console()
    table = Table(title="mwx plugins", show_lines=False)
    for col in ("plugin", "distribution", "version", "status", "provides"):
        table.add_column(col, overflow="fold")
    for info in sorted(infos, key=lambda i: (not i.bundled, i.name)):
        if info.loaded and not info.error:
            status = "[green]loaded[/]"
        elif info.loaded:
            status = "[yellow]loaded with problems[/]"
        elif info.error and info.error.startswith("skipped"):
            status = "[dim]skipped (MWX_PLUGINS)[/]"
        else:
            status = "[red]failed[/]"
        provides = _summarise(info.components) if components else str(len(info.components))
        table.add_row(info.name, info.distribution, info.version, status, provides)
    console.print(table)
    for p in problems:
        console.print(f"[yellow]warning:[/] {p}")


def _summarise(components: list[str], limit: int = 4) -> str:
    """``kind:name`` items grouped by kind; long groups are shortened to a count."""
    groups: dict[str, list[str]] = {}
    for item in components:
        kind, _, name = item.partition(":")
        groups.setdefault(kind, []).append(name)
    parts = []
    for kind, names in groups.items():
        label = kind.replace("_", " ")
        if len(names) <= limit:
            parts.append(f"{label}: {', '.join(names)}")
        else:
            parts.append(f"{len(names)} {label}s ({', '.join(names[:2])}, ...)")
    return "; ".join(parts)
