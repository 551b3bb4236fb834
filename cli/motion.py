"""``mwx motion``: retarget human motion capture to the robot, inspect and replay clips."""

from __future__ import annotations

import json
from pathlib import Path

import typer

NAME = "motion"
app = typer.Typer(
    help="Motion priors: retarget BVH / AMASS captures to the robot, show clip metrics, render replays.",
    epilog="Example: mwx motion retarget capture.bvh -o clip.npz",
    no_args_is_help=True,
)

_METRIC_HELP = {
    "joint_limit_violation_max": ("rad", "largest excursion beyond a joint limit"),
    "joint_limit_violation_frames": ("frac", "frames with any excursion"),
    "foot_penetration_max": ("m", "deepest foot collision point below the floor"),
    "stance_foot_gap_mean": ("m", "mean |height| of the lowest sole while in contact"),
    "sliding_mean": ("m/s", "mean horizontal foot speed while in contact"),
    "sliding_max": ("m/s", "largest horizontal foot speed while in contact"),
    "sliding_distance": ("m", "horizontal foot travel while in contact, per foot"),
    "keypoint_error_mean": ("m", "mean distance to the robot-proportioned targets"),
    "keypoint_error_max": ("m", "largest distance to a target"),
    "contact_fraction_left": ("frac", "frames with the left foot in contact"),
    "contact_fraction_right": ("frac", "frames with the right foot in contact"),
}


def _print_metrics(metrics: dict, title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for col in ("metric", "value", "unit", "meaning"):
        table.add_column(col)
    for k, v in metrics.items():
        if k in ("frames", "duration_s", "fps"):
            continue
        unit, meaning = _METRIC_HELP.get(k, ("", ""))
        table.add_row(k, "n/a" if v is None else f"{v:.4f}", unit, meaning)
    Console().print(table)


def _fail(msg: str) -> None:
    typer.secho(f"error: {msg}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


@app.command(epilog="Example: mwx motion retarget 02_01.bvh -o walk.npz --start 1 --loop")
def retarget(
    input: Path = typer.Argument(..., help="A .bvh file (CMU skeleton) or an AMASS .npz."),
    output: Path = typer.Option(..., "-o", "--output", help="Clip file to write (.npz)."),
    robot: str = typer.Option("h1", help="Robot to retarget to."),
    fps: float = typer.Option(50.0, help="Output frame rate (50 = H1 control rate)."),
    start: float = typer.Option(0.0, help="Start time in the capture (s)."),
    stop: float = typer.Option(None, help="Stop time in the capture (s); default the end."),
    reverse: bool = typer.Option(False, help="Play the capture backwards (e.g. stand-up -> sit-down)."),
    loop: bool = typer.Option(False, help="Mark the clip as loopable."),
    scale: float = typer.Option(None, help="BVH metres per file unit (default: CMU 0.056444)."),
    body_model: Path = typer.Option(None, help="AMASS: SMPL-H / SMPL-X body-model folder or file."),
    gender: str = typer.Option(None, help="AMASS: body-model gender (default: the file's)."),
    allow_pickle: bool = typer.Option(False, help="AMASS: allow .pkl body models (unpickling runs code)."),
    smpl_backend: str = typer.Option("auto", help="AMASS: body kinematics through 'smplx', 'numpy' or 'auto'."),
) -> None:
    """Retarget a human capture to the robot and write a clip file."""
    from mwx_sdk.motion.retarget import RetargetConfig
    from mwx_sdk.motion.retarget import retarget as do_retarget

    if not input.is_file():
        _fail(f"no input file at {input}; give the path of a .bvh capture or an AMASS .npz")
    suffix = input.suffix.lower()
    try:
        if suffix == ".bvh":
            from mwx_sdk.motion.bvh import CMU_UNIT_METRES, load_bvh

            human = load_bvh(input, scale=scale or CMU_UNIT_METRES)
        elif suffix == ".npz":
            if body_model is None:
                _fail("AMASS input needs --body-model <folder with SMPLH_NEUTRAL.npz or SMPLX_*.npz>")
            from mwx_sdk.motion.amass import load_amass

            human = load_amass(input, body_model, gender=gender, allow_pickle=allow_pickle, backend=smpl_backend)
        else:
            _fail(f"unsupported input {input.name}: expected a .bvh or an AMASS .npz")
        a = int(round(start * human.fps))
        b = None if stop is None else int(round(stop * human.fps))
        if (b if b is not None else human.num_frames) - a < 2:
            _fail(f"the window {start}-{stop} s keeps fewer than 2 frames of the {human.num_frames / human.fps:.2f} s capture")
        human = human.frames(a, b, reverse=reverse)
        clip = do_retarget(human, RetargetConfig(robot=robot, fps=fps, loop=loop))
    except (ValueError, FileNotFoundError, ImportError) as exc:
        _fail(str(exc))
    path = clip.save(output)
    typer.echo(f"wrote {path} ({clip.num_frames} frames at {clip.fps:g} Hz, {clip.duration:.2f} s)")
    _print_metrics(clip.meta.get("quality", {}), f"retarget quality: {input.name}")


@app.command(epilog="Example: mwx motion info walk.npz --json")
def info(
    clip: Path = typer.Argument(..., help="A clip file (.npz)."),
    recompute: bool = typer.Option(False, help="Recompute the metrics with the robot model."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Show a clip's fields and quality metrics."""
    from rich.console import Console
    from rich.table import Table

    from mwx_sdk.motion.clip import ClipFormatError, load_clip
    from mwx_sdk.motion.quality import clip_metrics

    try:
        c = load_clip(clip)
    except (ClipFormatError, FileNotFoundError) as exc:
        _fail(str(exc))
    metrics = c.meta.get("quality")
    if recompute or not metrics:
        kin = None
        try:
            from mwx_sdk.motion.retarget import RobotKinematics
            from mwx_sdk.motion.robots import robot_spec

            kin = RobotKinematics(robot_spec(c.robot))
        except (ValueError, FileNotFoundError, ImportError):
            kin = None  # metrics that need the model are left out
        metrics = clip_metrics(c, kinematics=kin)
    fields = {
        "robot": c.robot,
        "frames": c.num_frames,
        "fps": c.fps,
        "duration_s": round(c.duration, 3),
        "loop": c.loop,
        "joints": len(c.joint_names),
        "segments": {k: list(v) for k, v in c.segments.items()},
        "source": c.source,
        "license": c.license,
    }
    if as_json:
        typer.echo(json.dumps({"clip": fields, "metrics": metrics, "meta": c.meta}, indent=2, default=str))
        return
    table = Table(title=f"clip {clip.name}", show_header=False)
    table.add_column("field")
    table.add_column("value", overflow="fold")
    for k, v in fields.items():
        table.add_row(k, json.dumps(v) if isinstance(v, dict) else str(v))
    Console().print(table)
    _print_metrics(metrics, "quality")


@app.command(epilog="Example: MUJOCO_GL=egl mwx motion show walk.npz -o walk.mp4 --seconds 4")
def show(
    clip: Path = typer.Argument(..., help="A clip file (.npz)."),
    output: Path = typer.Option(..., "-o", "--output", help="Video to write (.mp4)."),
    seconds: float = typer.Option(None, help="Video length (default: two loops or the whole clip)."),
    width: int = typer.Option(480, help="Frame width in pixels."),
    height: int = typer.Option(360, help="Frame height in pixels."),
) -> None:
    """Render a kinematic replay of a clip (headless: set MUJOCO_GL=egl)."""
    import os

    os.environ.setdefault("MUJOCO_GL", "egl")
    from mwx_sdk.envs.render import RenderError
    from mwx_sdk.motion.clip import ClipFormatError, load_clip
    from mwx_sdk.motion.video import render_prior_video

    try:
        c = load_clip(clip)
        path = render_prior_video(c, output, seconds=seconds, width=width, height=height)
    except (ClipFormatError, OSError, ValueError, RenderError) as exc:  # OSError: no clip, unwritable output
        _fail(str(exc))
    typer.echo(f"wrote {path}")
