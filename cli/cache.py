"""``mwx cache``: show and empty the VLM response cache (``$MWX_CACHE_DIR/vlm`` or ``~/.cache/mwx/vlm``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

NAME = "cache"
app = typer.Typer(help="Show or empty the VLM response cache.", epilog="Example: mwx cache info --json",
                  no_args_is_help=True)

CacheDir = Annotated[
    Path | None, typer.Option("--dir", help="Cache folder (default: $MWX_CACHE_DIR/vlm or ~/.cache/mwx/vlm).")
]


def _cache(directory: Path | None):
    from mwx_sdk.semantic.cache import ResponseCache

    if directory is not None and directory.exists() and not directory.is_dir():
        typer.echo(f"error: {directory} is not a folder; pass the cache folder to --dir", err=True)
        raise typer.Exit(2)
    return ResponseCache(directory)


def _size(n: int) -> str:
    return f"{n} B" if n < 1024 else f"{n / 1024:.1f} KiB" if n < 1 << 20 else f"{n / (1 << 20):.1f} MiB"


@app.command("info", epilog="Example: mwx cache info --dir ~/.cache/mwx/vlm")
def info(
    directory: CacheDir = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Where the cache is, how many plans it holds and their size."""
    facts = _cache(directory).info()
    if as_json:
        typer.echo(json.dumps(facts, indent=2))
        return
    typer.echo(f"path:    {facts['path']}")
    typer.echo(f"entries: {facts['entries']}")
    typer.echo(f"size:    {_size(facts['bytes'])}")


@app.command("clear", epilog="Example: MWX_CACHE_DIR=/tmp/mwx-cache mwx cache clear")
def clear(directory: CacheDir = None) -> None:
    """Delete every cached plan (the next run asks the model again)."""
    cache = _cache(directory)
    try:
        removed, freed = cache.clear()
    except OSError as exc:
        reason = exc.strerror or exc
        typer.echo(f"error: could not clear {cache.directory}: {reason}; check its permissions", err=True)
        raise typer.Exit(2) from None
    noun = "entry" if removed == 1 else "entries"
    typer.echo(f"removed {removed} {noun} ({_size(freed)}) from {cache.directory}")
