"""``mwx eval``: evaluate an agent on a task, and ``mwx eval suite``: the papers' tables.

Only typer and the standard library are imported at module level; the evaluator (numpy,
MuJoCo, matplotlib, Ray) loads when a command runs.
"""

from __future__ import annotations

import contextlib
import re
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path

import typer

from ._errors import fail as _fail
from ._errors import reported_input_errors
from ._output import (
    JSON_HELP,
    QUIET,
    VERBOSE,
    emit_json,
    settings_text,
    stdout_to_stderr,
    verbosity,
)

# every eval option is checked by a spec that raises ValueError: one line each, like the input errors
_reported = reported_input_errors(ValueError)

NAME = "eval"
app = typer.Typer(
    help="Evaluate agents: returns, success, falls, timing and naturalness; the papers' tables.",
    epilog=("Example: mwx eval --env mwx/h1-walk-v0 --seeds 0-4 --out results/walk\n\n"
            "Example: mwx eval --env mwx/h1-stand-v0 --steps 50 --no-plots --json"),
    invoke_without_command=True,
)


def _variant_kwargs(env: str, variant: str | None) -> dict:
    """``make_env`` options for ``--model-variant`` (only the bundled mwx/ scenes have variants)."""
    if variant is None:
        return {}
    from mwx_sdk.envs.assets import VARIANTS

    if not env.startswith("mwx/"):
        raise ValueError(f"--model-variant applies to the bundled mwx/ envs, not {env}; leave it out")
    if variant not in VARIANTS:
        raise ValueError(f"--model-variant must be one of {', '.join(VARIANTS)}, got {variant!r}")
    return {"model_variant": variant}


def _task_of_id(env_id: str):
    """The task of a gymnasium id: by name, else from the env it builds (a plugin's or a wrapped id)."""
    from mwx_sdk.plugins import make_env
    from mwx_sdk.task import UnknownTaskError, get_task, task_for_env

    try:
        return get_task(env_id)
    except UnknownTaskError:
        pass
    env = make_env(env_id)
    try:
        return task_for_env(env)
    finally:
        env.close()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.+-]+", "_", text).strip("_") or "run"


def _command_line() -> str:
    return "mwx " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:] else "mwx eval"


@contextlib.contextmanager
def _gone_on_error(bar) -> Iterator[None]:
    """Take the progress bar away when the block fails, so the error is the only line left."""
    try:
        yield
    except BaseException:
        bar.live.transient = True  # a terminal erases the bar, a file or pipe never gets it
        bar.live.stop()
        bar.disable = True  # nor the blank line rich prints after a bar outside a terminal
        raise


def _progress(total: int, label: str, console=None, disable: bool = False):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), transient=False,
                    console=console, disable=disable)


@app.callback(invoke_without_command=True)
def evaluate(
    ctx: typer.Context,
    env: str | None = typer.Option(None, "--env", help="Environment id, e.g. mwx/h1-walk-v0."),
    agent: str | None = typer.Option(
        None, "--agent", help="Agent TOML file (keys: see the mwx_sdk.config docs), or a factory 'package.module:function'."
    ),
    experts: str | None = typer.Option(None, "--experts", help="Inline agent: expert names, e.g. stand,walk; default: the task's composition."),
    router: str | None = typer.Option(None, "--router", help="Inline agent: router (fusion, semantic, ...)."),
    planner: str | None = typer.Option(None, "--planner", help="Inline agent: planner (direct, mppi, tdmpc2); default: the task's (mppi), else direct."),
    vlm: str = typer.Option("embedding", "--vlm", help="Inline agent: VLM backend (embedding, lexical, litellm)."),
    episodes: int | None = typer.Option(None, "--episodes", "-n", help="Number of episodes (default: one per seed)."),
    seeds: str = typer.Option("0", "--seeds", help="Seeds, e.g. 0-9 or 1,3,5."),
    instruction: str | None = typer.Option(None, "--instruction", "-i", help="Instruction for the agent."),
    model_variant: str | None = typer.Option(
        None, "--model-variant", help="H1 model of an mwx/ env: mesh (default; HumanoidBench's collision meshes) or primitive (primitive shapes, cheaper)."
    ),
    steps: int | None = typer.Option(None, "--steps", help="Control steps per episode (default: full episode)."),
    out: Path | None = typer.Option(None, "--out", help="Output folder (default results/eval/<env>_<agent>)."),  # noqa: B008
    video: bool = typer.Option(False, "--video", help="Record an mp4 per episode into <out>/videos."),
    workers: int = typer.Option(1, "--workers", "-w", help="Parallel episodes (processes or Ray CPUs)."),
    backend: str = typer.Option("local", "--backend", help="local (process pool) or ray."),
    ray_address: str | None = typer.Option(None, "--ray-address", help="Ray cluster address (default: local)."),
    plots: bool = typer.Option(True, "--plots/--no-plots", help="Draw returns and expert-weight plots."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the final summary line: no progress bar, no table."),
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="Also print the resolved agent (the planner's settings included) and each episode as it ends."
    ),
) -> None:
    """Evaluate one agent on one environment over several seeded episodes."""
    if ctx.invoked_subcommand is not None:
        return
    level = verbosity(quiet, verbose)
    if env is None:
        typer.echo(ctx.get_help())
        _fail("--env is required, e.g. `mwx eval --env mwx/h1-walk-v0 --agent agent.toml`")
    from mwx_sdk.eval.spec import AgentSpec, EnvSpec, EpisodeSpec, parse_experts, parse_seeds

    with _reported:
        seed_list = parse_seeds(seeds)
        if episodes is not None:
            if episodes < 1:
                raise ValueError(f"--episodes must be >= 1, got {episodes}")
            if "-" not in seeds and "," not in seeds and len(seed_list) == 1 and episodes > 1:
                seed_list = list(range(seed_list[0], seed_list[0] + episodes))
            if episodes > len(seed_list):
                raise ValueError(f"--episodes {episodes} needs at least as many seeds; --seeds {seeds} "
                                 f"gives {len(seed_list)} (write e.g. --seeds 0-{episodes - 1})")
            seed_list = seed_list[:episodes]
        if agent is not None and experts:
            raise ValueError("give the agent either as --agent agent.toml or inline with --experts, not both")
        from mwx_sdk.plugins import check_env

        check_env(env)  # before any worker starts: a gymnasium id that is not an H1 task, or none
        task_obj = _task_of_id(env)
        composition = task_obj.composition if task_obj is not None else None
        if agent is not None:
            is_factory = not Path(agent).is_file() and re.fullmatch(r"[\w.]+:[\w.]+", agent) is not None
            agent_spec = AgentSpec(factory=agent) if is_factory else AgentSpec(file=agent)
            if not is_factory:  # a missing or broken file is reported before any episode starts
                from mwx_sdk.config import load_agent_config

                load_agent_config(agent)
        elif experts:
            # no --planner: the task's planner (direct where no task is known), as everywhere
            agent_spec = AgentSpec(experts=parse_experts(experts), router=router or "fusion", planner=planner, vlm=vlm)
        elif composition is not None:  # the task's default composition
            agent_spec = AgentSpec(experts=composition.experts, router=router or "fusion", planner=planner, vlm=vlm)
        else:
            raise ValueError(f"no agent: {env} has no task with a default composition; pass --agent agent.toml "
                             "or --experts stand,walk [--router ...]")
        env_spec = EnvSpec(env_id=env, kwargs=_variant_kwargs(env, model_variant))
        default_text = composition.instruction if composition is not None else ""
        text = instruction if instruction is not None else default_text
        if not text.strip():
            what = "is empty" if instruction is not None else f"has no default for {env}"
            raise ValueError(f'the instruction {what}; pass one, e.g. --instruction "walk forward"')
        out_dir = out or Path("results") / "eval" / _slug(f"{env_spec.task}_{agent_spec.describe()}")
        base = EpisodeSpec(env=env_spec, agent=agent_spec, instruction=text, steps=steps,
                           tags={"task": env_spec.task, "method": agent_spec.describe()})
    from dataclasses import replace

    specs = [replace(base, seed=s, video=str(out_dir / "videos" / f"seed{s}.mp4") if video else None)
             for s in seed_list]
    from rich.console import Console

    from mwx_sdk.eval.backends import run_many
    from mwx_sdk.eval.report import write_eval_report

    # under --json stdout is the summary's alone: the progress bar and other lines use stderr
    console = Console(stderr=as_json)
    if level == VERBOSE:
        _print_setup(console, base, seed_list, out_dir, workers, backend)

    def ended(i: int, r: dict) -> None:
        bar.advance(task_id)
        if level == VERBOSE:
            bar.console.print(_episode_line(r), highlight=False)

    with stdout_to_stderr(as_json):
        # bad options, unknown names, broken agent file, no GL: the error line comes once the bar is gone
        with _reported, _progress(len(specs), f"{env} x {len(specs)} episodes", console,
                                  disable=level == QUIET) as bar:
            task_id = bar.add_task("eval", total=len(specs))
            with _gone_on_error(bar):
                results = run_many(specs, workers=workers, backend=backend, ray_address=ray_address,
                                   on_result=ended)
        config = {"env": env, "env_options": dict(env_spec.kwargs), "agent": agent_spec.describe(),
                  "agent_spec": _spec_dict(agent_spec),
                  "instruction": text, "seeds": seed_list, "steps": steps or results[0]["step_budget"],
                  "workers": workers, "backend": backend, "command": _command_line()}
        files = write_eval_report(out_dir, results, config, plots=plots)
    if as_json:
        emit_json(_summary_json(results, config, out_dir, files))
    elif level == QUIET:
        typer.echo(_summary_line(results, out_dir))
    else:
        _print_summary(results, console)
        typer.echo(f"wrote {', '.join(str(p) for p in files.values())}")


def _print_setup(console, spec, seeds: list[int], out_dir: Path, workers: int, backend: str) -> None:
    """The resolved evaluation, before it runs (``mwx eval -v``): agent, planner settings, seeds."""
    from mwx_sdk.eval.suite import _planner_fingerprint
    from mwx_sdk.textsafe import for_terminal

    agent = spec.agent
    head = f"[bold]{for_terminal(spec.env.env_id)}[/] (task {for_terminal(spec.env.task)})"
    lines = [f"{head}: {for_terminal(agent.describe())}"]
    for key, value in _spec_dict(agent).items():
        shown = ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else value
        lines.append(f"  {key}: {for_terminal(shown, 2000)}")
    if not agent.file and not agent.factory and agent.planner is None:
        from mwx_sdk.agent import task_defaults

        try:
            lines.append(f"  planner: {for_terminal(task_defaults(task=spec.env.env_id)[3])} (the task's)")
        except (KeyError, ValueError):  # a plugin's env without a task: compose picks the default planner
            lines.append(f"  planner: {for_terminal(task_defaults()[3])} (the default)")
    settings = _planner_fingerprint(spec, _env_planner_defaults(spec))
    if settings is not None:
        lines.append(f"  planner settings: {for_terminal(settings_text(settings), 4000)}")
    lines.append(f"  instruction: {for_terminal(spec.instruction, 300)}")
    budget = "full episodes" if spec.steps is None else f"{spec.steps} steps each"
    lines.append(f"  seeds: {for_terminal(', '.join(map(str, seeds)), 300)} ({budget})")
    lines.append(f"  workers: {workers} ({for_terminal(backend)}); out: {for_terminal(out_dir)}")
    for line in lines:
        console.print(line, highlight=False)


def _env_planner_defaults(spec) -> dict:
    """The env's own planner defaults (``planner_defaults``: the mesh H1 plans with its
    self-collisions), read from a built env; empty when it cannot be built here (the episode
    then reports why)."""
    from mwx_sdk.eval.spec import build_env

    try:
        env = build_env(spec.env)
    except Exception:  # noqa: BLE001 - the same build fails the episode with its own message
        return {}
    try:
        return dict(getattr(env.unwrapped, "planner_defaults", None) or {})
    finally:
        import gc

        from mwx_sdk.memory import trim_heap

        env.close()
        del env
        gc.collect()
        trim_heap()  # the episode builds its own env: this one's memory goes back to the system


def _episode_line(r: dict) -> str:
    """One finished episode on one line (``mwx eval -v``)."""
    from mwx_sdk.eval.report import fmt

    return (f"  seed {r['seed']}: return {fmt(r['return'], 2)} in {r['steps']} steps, success {fmt(r['success'])}, "
            f"fell {fmt(r['fell'])}, {fmt(r['ms_per_step'], 2)} ms/step")


def _summary_line(results: list[dict], out_dir: Path) -> str:
    """The evaluation on one line (``mwx eval -q``)."""
    from mwx_sdk.eval.metrics import summarize
    from mwx_sdk.eval.report import pm
    from mwx_sdk.textsafe import clean_text

    s, n = summarize(results), len(results)
    falls = sum(bool(r["fell"]) for r in results)
    head = f"{results[0]['task']} {results[0]['method']}"
    return clean_text(f"{head}: return {pm(s.return_mean, s.return_std, 2)} over {n} episode{'s' * (n != 1)}, "
                      f"success {s.successes}/{n}, falls {falls}/{n}; wrote {out_dir}", 2000)


# per-episode figures of ``mwx eval --json`` (the full rows are in <out>/results.json)
_EPISODE_KEYS = ("seed", "steps", "return", "shaped_return", "success", "fell", "ms_per_step",
                 "agent_ms_per_step", "env_ms_per_step", "rms_joint_error", "jerk", "foot_sliding")


def _summary_json(results: list[dict], config: dict, out_dir: Path, files: dict) -> dict:
    """What ``mwx eval --json`` prints: the setup, each seed's figures, the summary and the files."""
    from mwx_sdk.eval.metrics import summarize

    summary = summarize(results).as_dict()
    summary["falls"] = sum(bool(r["fell"]) for r in results)
    return {
        "env": config["env"],
        "task": results[0]["task"],
        "method": results[0]["method"],
        "agent": config["agent_spec"],
        "instruction": config["instruction"],
        "seeds": config["seeds"],
        "steps": config["steps"],
        "returns": [r["return"] for r in results],
        "episodes": [{k: r.get(k) for k in _EPISODE_KEYS} for r in results],
        "summary": summary,
        "out": str(out_dir),
        "files": {name: str(path) for name, path in files.items()},
    }


def _spec_dict(spec) -> dict:
    from dataclasses import asdict

    return {k: v for k, v in asdict(spec).items() if v not in (None, (), {}, "")}


def _print_summary(results: list[dict], console=None) -> None:
    from rich.console import Console
    from rich.table import Table

    from mwx_sdk.eval.metrics import summarize
    from mwx_sdk.eval.report import fmt, pm

    s = summarize(results)
    table = Table(title=f"{results[0]['task']} — {results[0]['method']}")
    for col in ("seed", "steps", "return", "shaped", "success", "fell", "ms/step", "rms err", "jerk", "sliding"):
        table.add_column(col, justify="right")
    for r in results:
        table.add_row(str(r["seed"]), str(r["steps"]), fmt(r["return"]), fmt(r["shaped_return"]),
                      fmt(r["success"]), fmt(r["fell"]), fmt(r["ms_per_step"], 2), fmt(r["rms_joint_error"], 3),
                      fmt(r["jerk"], 0), fmt(r["foot_sliding"], 3))
    table.add_row("all", fmt(s.steps_mean, 0), pm(s.return_mean, s.return_std),
                  pm(s.shaped_return_mean, s.shaped_return_std), f"{s.successes}/{s.episodes}",
                  f"{100 * s.fall_rate:.0f}%", fmt(s.ms_per_step, 2), fmt(s.rms_joint_error, 3), fmt(s.jerk, 0),
                  fmt(s.foot_sliding, 3), style="bold")
    (console or Console()).print(table)


@app.command("suite", epilog="Example: mwx eval suite --quick --workers 2")
def suite(
    quick: bool = typer.Option(False, "--quick", help="Small version: stand, walk, sit_simple, door; 2 seeds; 200 steps; lexical VLM."),
    tasks: str | None = typer.Option(None, "--tasks", help="Comma-separated tasks (default: the suite's)."),
    methods: str | None = typer.Option(None, "--methods", help="Comma-separated methods (default: all)."),
    seeds: str | None = typer.Option(None, "--seeds", help="Seeds, e.g. 0-9."),
    steps: int | None = typer.Option(None, "--steps", help="Control steps per episode."),
    vlm: str | None = typer.Option(None, "--vlm", help="VLM backend of the methods that use one."),
    checkpoints: Path | None = typer.Option(None, "--checkpoints", help="Folder of trained checkpoints/curves."),  # noqa: B008
    out: Path | None = typer.Option(None, "--out", help="Output folder (default results/suite, or results/suite_quick with --quick)."),  # noqa: B008
    workers: int = typer.Option(1, "--workers", "-w", help="Parallel episodes."),
    backend: str = typer.Option("local", "--backend", help="local or ray."),
    ray_address: str | None = typer.Option(None, "--ray-address", help="Ray cluster address."),
) -> None:
    """Run the papers' comparison tables (tasks x methods x seeds); resumable."""
    from mwx_sdk.eval.methods import METHODS
    from mwx_sdk.eval.spec import parse_seeds
    from mwx_sdk.eval.suite import FULL, QUICK, SuiteConfig, run_suite

    base = dict(QUICK if quick else FULL)
    with _reported:
        if tasks:
            base["tasks"] = tuple(t.strip() for t in tasks.split(",") if t.strip())
        base["methods"] = tuple(m.strip() for m in methods.split(",") if m.strip()) if methods else tuple(METHODS)
        if seeds:
            base["seeds"] = tuple(parse_seeds(seeds))
        if steps is not None:
            base["steps"] = steps
        if vlm:
            base["vlm"] = vlm
        base["checkpoints"] = str(checkpoints) if checkpoints else None
        cfg = SuiteConfig(**base)
    out_dir = out or Path("results") / ("suite_quick" if quick else "suite")
    with _reported, _progress(0, "suite") as bar:  # an error's line comes once the bar is gone
        task_id = bar.add_task("suite", total=None)

        def progress(done: int, total: int, res: dict | None) -> None:
            bar.update(task_id, total=total, advance=1)
            if res is not None and "error" in res:
                bar.console.print(f"  {res['task']:<11} {res['method']:<15} seed {res['seed']}: {res['error']}")
            elif res is not None:
                bar.console.print(f"  {res['task']:<11} {res['method']:<15} seed {res['seed']}: "
                                  f"return {res['return']:.1f}  success {res['success']}  "
                                  f"{res['ms_per_step']:.1f} ms/step")

        with _gone_on_error(bar):
            summary = run_suite(cfg, out_dir, workers=workers, backend=backend, ray_address=ray_address,
                                command=_command_line(), progress=progress)
    typer.echo(summary["markdown"])
    typer.echo(f"wrote {out_dir / 'table.md'}, {out_dir / 'table.csv'}, {out_dir / 'suite.json'}")


@app.command("convergence", epilog="Example: mwx eval convergence runs/wm/metrics.jsonl --fraction 0.9")
def convergence(
    curves: list[Path] = typer.Argument(..., help="Training curves: CSV/JSON with step and eval_return, or a trainer's metrics.jsonl."),  # noqa: B008
    fraction: float = typer.Option(0.95, "--fraction", help="Share of the final smoothed return to reach."),
    smoothing: str = typer.Option("ema", "--smoothing", help="ema (exponential) or ma (moving average)."),
    beta: float = typer.Option(0.6, "--beta", help="EMA decay."),
    window: int = typer.Option(5, "--window", help="Moving-average window (points)."),
) -> None:
    """Convergence step of training curves: first step where the smoothed eval return reaches 95 % of its final value."""
    from rich.console import Console
    from rich.table import Table

    from mwx_sdk.eval.convergence import convergence_from_file

    table = Table(title=f"convergence ({smoothing}, {100 * fraction:.0f} % of final)")
    for col in ("curve", "conv. step", "conv. (M)", "final return", "points"):
        table.add_column(col, justify="right" if col != "curve" else "left")
    for path in curves:
        with _reported:
            c = convergence_from_file(path, fraction=fraction, method=smoothing, beta=beta, window=window)
        table.add_row(str(path), str(c.step), f"{c.step / 1e6:.2f}", f"{c.final:.1f}", str(c.points))
    Console().print(table)
