"""``mwx skills``: the experts available to compose."""

from __future__ import annotations

import json

import typer

NAME = "skills"
app = typer.Typer(help="List and inspect skills (experts).", epilog="Example: mwx skills show walk",
                  no_args_is_help=True)


@app.command("list", epilog="Example: mwx skills list --robot h1 --json")
def list_skills(
    robot: str = typer.Option(None, help="Only experts for this robot (e.g. h1)."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """List registered experts with their providing plugin and description."""
    from rich.console import Console
    from rich.table import Table

    from mwx_sdk.plugins import list_experts

    entries = list_experts()
    if robot:
        entries = [e for e in entries if getattr(getattr(e.obj, "spec", None), "robot", robot) == robot]
    if as_json:
        typer.echo(json.dumps([e.as_dict() for e in entries], indent=2))
        return
    table = Table(title="mwx skills")
    for col in ("name", "robot", "plugin", "version", "description"):
        table.add_column(col, overflow="fold")
    for e in entries:
        spec = getattr(e.obj, "spec", None)
        table.add_row(e.name, getattr(spec, "robot", "?"), e.plugin, e.version, e.description)
    Console().print(table)


@app.command("show", epilog="Example: mwx skills show walk --video walk.mp4")
def show(
    name: str = typer.Argument(..., help="Expert name, as listed by mwx skills list."),
    video: str = typer.Option(None, "--video", help="Render the skill's motion prior to this mp4."),
) -> None:
    """Show one expert: its spec, description and configuration defaults."""
    from rich.console import Console
    from rich.panel import Panel

    from mwx_sdk.plugins import UnknownComponentError, host

    try:
        entry = host().entry("expert", name)
    except UnknownComponentError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    spec = getattr(entry.obj, "spec", None)
    lines = [
        f"[bold]{entry.name}[/]  ({entry.provider})",
        "",
        (getattr(spec, "description", None) or entry.description),
        "",
    ]
    if spec is not None:
        lines.append(
            f"robot: {spec.robot}   action dim: {spec.action_dim}   obs dim: {spec.obs_dim or 'any'}"
        )
        if spec.tags:
            lines.append("tags: " + ", ".join(spec.tags))
    if entry.defaults:
        lines.append("defaults: " + ", ".join(f"{k}={v!r}" for k, v in entry.defaults.items()))
    Console().print(Panel("\n".join(lines), title="skill"))
    if video:
        from mwx_sdk.envs.render import RenderError
        from mwx_sdk.motion.expert import MotionPriorExpert
        from mwx_sdk.motion.video import render_prior_video
        from mwx_sdk.plugins import get_expert

        expert = get_expert(name)
        if not isinstance(expert, MotionPriorExpert):
            typer.echo(f"error: expert {name!r} has no motion prior to render (--video needs a motion-prior skill)",
                       err=True)
            raise typer.Exit(1)
        try:
            path = render_prior_video(expert, video)
        except (RenderError, ValueError, OSError) as exc:  # OSError: an unwritable --video path
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from exc
        typer.echo(f"wrote {path}")
