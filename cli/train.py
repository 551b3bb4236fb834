"""``mwx train``: learn a TD-MPC2 world model, distil a neural expert, or train the IRM router.

Every subcommand writes a run folder (``--out``) and refuses to replace a run already there
unless ``--overwrite`` is given; ``--resume`` continues one. Bad options, a run folder that cannot
be used as asked and damaged checkpoints end in one ``error: ...`` line (exit code 2).
"""

from __future__ import annotations

import contextlib
import json
import warnings
from collections.abc import Iterator
from pathlib import Path

import typer

from ._errors import fail, input_errors
from .eval import _variant_kwargs

NAME = "train"
app = typer.Typer(
    help="Train world models, neural experts and the IRM router.",
    epilog="Example: mwx train world-model --env mwx/h1-stand-v0 --out runs/wm",
    no_args_is_help=True,
)


def _parse_sets(items: list[str]) -> dict:
    out = {}
    for item in items or []:
        if "=" not in item:
            fail(f"--set expects KEY=VALUE, got {item!r} (e.g. --set iterations=4)")
        key, val = item.split("=", 1)
        try:
            out[key.strip()] = json.loads(val)
        except json.JSONDecodeError:
            out[key.strip()] = val
    return out


def _split(names: list[str] | None) -> tuple[str, ...]:
    return tuple(n.strip() for item in names or [] for n in item.split(",") if n.strip())


def _run_errors() -> tuple[type[BaseException], ...]:
    """Input errors of a training command: the CLI's own, a run folder that cannot be used as
    asked, a damaged checkpoint."""
    from mwx_sdk.learn.checkpoint import CheckpointError
    from mwx_sdk.learn.runs import RunFolderError

    return (RunFolderError, CheckpointError, *input_errors())


@contextlib.contextmanager
def _warnings_as_lines(console) -> Iterator[None]:
    """Show warnings raised in the block as one ``warning: ...`` line each."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        finally:
            for w in caught:
                console.print(f"[yellow]warning:[/] {w.message}", highlight=False, soft_wrap=True)


OVERWRITE_HELP = "Replace the run already in OUT (its checkpoint, metrics and event files) instead of refusing."


@app.command("world-model", epilog=(
    "Example: mwx train world-model --experts stand --steps 20000 --out runs/wm\n\n"
    "Example: mwx train world-model --out runs/wm --steps 40000 --resume"))
def world_model(
    env: str = typer.Option("mwx/h1-stand-v0", "--env", help="Environment id."),
    experts: list[str] | None = typer.Option(
        None, "--experts", help="Experts blended uniformly into a_ref, with the env's task options for them (comma list)."
    ),
    steps: int = typer.Option(20000, help="Environment steps."),
    out: Path = typer.Option(..., "--out", help="Run folder (checkpoint, metrics, event files)."),
    eval_every: int = typer.Option(2000, "--eval-every", help="Evaluate every N steps (0: at the end)."),
    eval_episodes: int = typer.Option(1, "--eval-episodes"),
    ckpt_every: int = typer.Option(2000, "--ckpt-every", help="Checkpoint every N steps."),
    lam: float = typer.Option(0.05, "--lambda", help="Expert guidance weight; 0 = plain TD-MPC2."),
    imitation: float = typer.Option(0.0, "--imitation", help="Weight of the imitation reward in the reward target."),
    seed: int = typer.Option(0, "--seed"),
    seed_steps: int = typer.Option(1000, "--seed-steps", help="Initial random-action steps."),
    pretrain_updates: int = typer.Option(1000, "--pretrain-updates"),
    model_size: int = typer.Option(1, "--model-size", help="TD-MPC2 preset: 1 or 5 (M parameters)."),
    device: str = typer.Option("auto", "--device", help="auto, cpu or cuda."),
    sets: list[str] | None = typer.Option(None, "--set", help="Agent config override KEY=VALUE (repeatable)."),
    model_variant: str | None = typer.Option(
        None, "--model-variant", help="H1 model of an mwx/ env: mesh (default) or primitive (cheaper)."),
    resume: bool = typer.Option(False, "--resume", help="Continue the run in OUT from OUT/checkpoint."),
    overwrite: bool = typer.Option(False, "--overwrite", help=OVERWRITE_HELP),
    tensorboard: bool = typer.Option(True, "--tensorboard/--no-tensorboard", help="Write TensorBoard events."),
    wandb: bool = typer.Option(False, "--wandb", help="Log to Weights & Biases (needs wandb)."),
) -> None:
    """Train TD-MPC2 online with expert guidance; resumable with --resume."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from mwx_sdk.learn.runs import WORLD_MODEL
    from mwx_sdk.learn.trainer import TensorBoardLogger, TrainConfig, Trainer, WandbLogger

    console = Console()
    try:
        cfg = TrainConfig(
            env_id=env, experts=_split(experts), steps=steps, seed=seed, seed_steps=seed_steps,
            pretrain_updates=pretrain_updates, eval_every=eval_every, eval_episodes=eval_episodes,
            ckpt_every=ckpt_every, guidance_lambda=lam, imitation_coef=imitation, model_size=model_size,
            device=device, agent=_parse_sets(sets), env_options=_variant_kwargs(env, model_variant),
        )
    except ValueError as exc:
        fail(exc)
    if wandb:
        try:
            import wandb as _wandb  # noqa: F401  (checked before the run folder is touched)
        except ImportError:
            fail("--wandb needs the wandb package: pip install wandb")
    try:
        with _warnings_as_lines(console):
            # loggers come after: a refused run must not get event files, --overwrite removes the old ones
            trainer = Trainer(cfg, out, resume=resume, overwrite=overwrite)
    except (ValueError, *_run_errors()) as exc:  # bad options, a run folder in the way, a damaged checkpoint
        fail(exc)
    if tensorboard:
        try:
            trainer.loggers.append(TensorBoardLogger(out / "tb"))
        except ImportError:
            console.print("[yellow]tensorboard is not installed; no event files (pip install tensorboard)[/]")
    if wandb:
        trainer.loggers.append(WandbLogger("mwx", {"env": env, "lambda": lam, "seed": seed}, out))
    start = trainer.counters["env_steps"]
    if resume:
        console.print(f"resuming {out} at step {start}", soft_wrap=True, highlight=False)
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TextColumn("{task.fields[info]}"), TimeElapsedColumn(), TimeRemainingColumn(), console=console,
    ) as bar:
        task = bar.add_task("world model", total=steps, completed=start, info="")

        def progress(n: int, vals: dict) -> None:
            info = f"ep {vals.get('episode_return', 0):.0f}"
            if "return" in vals:
                info += f" eval {vals['return']:.0f}"
            bar.update(task, completed=n, info=info)

        try:
            result = trainer.run(progress)
        except KeyboardInterrupt:
            bar.stop()
            fail(f"interrupted at step {trainer.counters['env_steps']}; {_where_it_stands(out, WORLD_MODEL)}", code=130)
        except OSError as exc:  # disk full, folder removed: the last checkpoint was never touched
            bar.stop()
            fail(f"cannot write the run in {out} ({exc}); {_where_it_stands(out, WORLD_MODEL)}")
    console.print_json(json.dumps(result))


def _where_it_stands(out: Path, layout) -> str:
    """What a run of ``layout`` that stopped left in ``out`` and how to go on, for the message."""
    from mwx_sdk.learn.runs import NO_CHECKPOINT, describe_run

    held = describe_run(out, layout)
    if held in (None, NO_CHECKPOINT):
        return "no checkpoint was written yet; rerun with --overwrite to start over"
    return f"its checkpoint ({held}) is intact: rerun with --resume to continue"


@app.command("expert", epilog="Example: mwx train expert walk --out runs/walk-expert --rounds 4")
def expert(
    name: str = typer.Argument(..., help="Skill whose motion prior is the teacher's reference (e.g. stand)."),
    env: str = typer.Option(None, "--env", help="Environment id (default mwx/h1-<name>-v0)."),
    out: Path = typer.Option(..., "--out", help="Run folder; the expert checkpoint is OUT/expert."),
    rounds: int = typer.Option(6, help="DAgger rounds after the teacher round."),
    episode_steps: int = typer.Option(300, "--episode-steps", help="Steps per collected episode."),
    episodes: int = typer.Option(2, help="Episodes per round."),
    epochs: int = typer.Option(60, help="Behaviour-cloning epochs per round."),
    teacher: str = typer.Option("mppi", help="Planner that labels visited states."),
    teacher_config: str = typer.Option(
        None, "--teacher-config", help='Teacher planner options as JSON, e.g. \'{"prior_blend": 0.5}\'.'
    ),
    prev_action: bool = typer.Option(False, "--prev-action", help="The student also sees its previous action."),
    beta_decay: float = typer.Option(0.5, "--beta-decay", help="Teacher acts with probability beta_decay**round."),
    action_noise: float = typer.Option(0.0, "--action-noise", help="Std of noise added to executed actions."),
    phase_period: float = typer.Option(
        0.0, "--phase-period",
        help="Seconds of the student's gait-phase input (sin/cos); 0 for none, -1 for the prior's own cycle.",
    ),
    seed: int = typer.Option(0, "--seed"),
    resume: bool = typer.Option(False, "--resume", help="Continue the run in OUT (dataset and weights)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace the run already in OUT instead of refusing."),
) -> None:
    """Distil a neural expert (DAgger) from the teacher: the skill's expert through the teacher planner,
    composed as at run time (the env's task options for it, its horizon published to the planner)."""
    from rich.console import Console

    from mwx_sdk.learn.distill import DistillConfig, distill
    from mwx_sdk.learn.runs import EXPERT

    console = Console()
    try:
        tcfg = json.loads(teacher_config) if teacher_config else None
    except json.JSONDecodeError as exc:
        fail(f"--teacher-config is not valid JSON ({exc}); e.g. '{{\"prior_blend\": 0.5}}'")
    if tcfg is not None and not isinstance(tcfg, dict):
        fail("--teacher-config must be a JSON object of planner options, e.g. '{\"prior_blend\": 0.5}'")
    try:
        cfg = DistillConfig(
            skill=name, env_id=env or f"mwx/h1-{name}-v0", rounds=rounds, episode_steps=episode_steps,
            episodes_per_round=episodes, epochs=epochs, teacher=teacher, seed=seed, prev_action=prev_action,
            teacher_config=tcfg, beta_decay=beta_decay, action_noise=action_noise, phase_period=phase_period,
        )
    except ValueError as exc:
        fail(exc)
    try:
        result = distill(cfg, out, resume=resume, overwrite=overwrite, log=lambda msg: console.print(msg))
    except _run_errors() as exc:  # a run folder in the way, a damaged checkpoint, unknown names
        fail(exc)
    except KeyboardInterrupt:
        fail(f"interrupted; {_where_it_stands(out, EXPERT)}", code=130)
    console.print_json(json.dumps(result))


@app.command("router", epilog="Example: mwx train router --out runs/irm --demos demos.json")
def router(
    out: Path = typer.Option(..., "--out", help="Checkpoint folder of the trained router."),
    experts: list[str] | None = typer.Option(None, "--experts", help="Experts to route (default: all h1 experts)."),
    backend: str = typer.Option("embedding", "--backend", help="VLM backend giving the stage-1 targets."),
    stage1_epochs: int = typer.Option(300, "--stage1-epochs"),
    stage2_epochs: int = typer.Option(100, "--stage2-epochs"),
    demos: Path | None = typer.Option(None, "--demos", help="JSON list of {instruction, weights} demonstrations."),
    seed: int = typer.Option(0, "--seed"),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace the router already in OUT instead of refusing."),
) -> None:
    """Train the IRM router: KL to the VLM's weights, then few-shot demonstration refinement."""
    from rich.console import Console

    from mwx_sdk.learn.irm import DemosError, train_irm_cli

    console = Console()
    try:
        result = train_irm_cli(
            out=out, experts=_split(experts) or None, backend=backend, stage1_epochs=stage1_epochs,
            stage2_epochs=stage2_epochs, demos=demos, seed=seed, log=lambda msg: console.print(msg),
            overwrite=overwrite,
        )
    except (DemosError, *_run_errors()) as exc:  # a checkpoint in the way, unknown experts or backend, bad --demos
        fail(exc)
    console.print_json(json.dumps(result))
