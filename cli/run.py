"""``mwx run`` and ``mwx demo``: compose skills from a sentence and run an episode.

Only typer and the standard library are imported at module level; mujoco, torch and matplotlib
load inside the commands.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer

from mwx_sdk.textsafe import clean_text, for_overlay, for_terminal

from ._errors import fail, reported_input_errors
from ._output import (
    JSON_HELP,
    NORMAL,
    QUIET,
    VERBOSE,
    emit_json,
    settings_of,
    settings_text,
    stdout_to_stderr,
    verbosity,
)

RUN_EXAMPLES = (
    'Example: mwx run "walk forward" --env mwx/h1-walk-v0 --steps 300\n\n'
    'Example: mwx run "walk then sit on the chair" --planner direct --json'
)

DEMO_INSTRUCTION = "stand still then walk forward"
DEMO_ENV = "mwx/h1-walk-v0"


@dataclass
class EpisodeResult:
    """What an episode produced (for the summary table, ``--json`` and the tests).

    ``plan`` holds one dictionary per sub-goal of the plan made at reset (description, lead
    expert, predicate, weights); ``subgoal_steps`` and ``subgoal_returns`` the control steps
    spent and the reward collected under each; ``components`` the name and resolved settings
    of the router, the planner, the VLM backend, each expert and the agent loop.
    """

    env_id: str
    instruction: str
    experts: list[str]
    steps: int = 0
    episode_return: float = 0.0
    success: bool = False
    fell: bool = False
    agent_ms: float = 0.0
    env_ms: float = 0.0
    subgoals: list[str] = field(default_factory=list)
    subgoals_reached: int = 0
    video: Path | None = None
    plot: Path | None = None
    gif: Path | None = None
    seed: int = 0
    plan: list[dict[str, Any]] = field(default_factory=list)
    subgoal_steps: list[int] = field(default_factory=list)
    subgoal_returns: list[float] = field(default_factory=list)
    components: dict[str, Any] = field(default_factory=dict)

    def files(self) -> dict[str, str | None]:
        """The files written: video, weights plot and GIF (``None`` where not asked for)."""
        return {k: None if v is None else str(v) for k, v in
                (("video", self.video), ("plot", self.plot), ("gif", self.gif))}

    def as_dict(self) -> dict[str, Any]:
        """The result as plain JSON-ready values (what ``mwx run --json`` prints)."""
        subgoals = []
        for i, sg in enumerate(self.plan):
            steps = self.subgoal_steps[i] if i < len(self.subgoal_steps) else 0
            ret = self.subgoal_returns[i] if i < len(self.subgoal_returns) else 0.0
            subgoals.append({**sg, "steps": steps, "return": ret})
        return {
            "env_id": self.env_id,
            "instruction": self.instruction,
            "seed": self.seed,
            "experts": list(self.experts),
            "steps": self.steps,
            "return": self.episode_return,
            "success": self.success,
            "fell": self.fell,
            "ms_per_step": self.agent_ms + self.env_ms,
            "agent_ms_per_step": self.agent_ms,
            "env_ms_per_step": self.env_ms,
            "subgoals": subgoals,
            "subgoals_reached": self.subgoals_reached,
            "components": self.components,
            "files": self.files(),
        }


def pick_env(instruction: str) -> str:
    """The built-in env whose description best matches the instruction's final clause.

    The last clause names the goal ("walk forward then sit on the chair" -> the sit task);
    ties are broken by the whole instruction, then by registration order.
    """
    from mwx_sdk.interfaces import ExpertSpec
    from mwx_sdk.semantic import LexicalScorer, split_clauses
    from mwx_sdk.task import list_tasks

    tasks = [t for t in list_tasks() if t.env_id.startswith("mwx/")]
    if not tasks:
        raise typer.BadParameter("no mwx environments are registered; reinstall mwx-sdk")

    def norm(text: str | None) -> str:
        return " ".join(re.findall(r"[a-z0-9]+", (text or "").lower()))

    # a task's own words ("open the door and walk through", "walk to the door, open it and go
    # through") name it exactly, even where the word overlap of two tasks ties
    said = norm(instruction)
    for t in tasks:
        if said in (norm(t.description), norm(t.composition.instruction if t.composition else None)):
            return t.env_id
    # ties go to the simpler task: tasks come in registration order, the bundled papers' tasks first;
    # the task's name (walk, sit_simple) counts like an expert name
    docs = [ExpertSpec(t.name.replace("_", " "), t.description or t.name, "env", 1) for t in tasks]
    # a task's own instruction ("walk to the chair and sit down") says how users phrase it
    said = [ExpertSpec(t.name.replace("_", " "), t.composition.instruction if t.composition else t.name, "env", 1)
            for t in tasks]
    scorer = LexicalScorer()
    last = scorer.scores(split_clauses(instruction)[-1], docs)
    whole = scorer.scores(instruction, docs)
    phrased = scorer.scores(instruction, said)
    best = max(range(len(tasks)), key=lambda i: (last[i] + phrased[i], whole[i], -i))
    if last[best] == 0 and whole[best] == 0:
        return "mwx/h1-stand-v0"
    return tasks[best].env_id


def _experts_for(env: Any, names: list[str] | None, robot: str | None,
                 options: dict[str, dict[str, Any]] | None = None) -> list:
    import warnings

    from mwx_sdk.plugins import get_expert, list_experts

    options = options or {}
    if names:
        return [get_expert(n, **options.get(n, {})) for n in names]
    nu = int(env.action_space.shape[0])
    built = []
    for entry in list_experts():
        spec = getattr(entry.obj, "spec", None)
        if spec is not None and (robot and spec.robot != robot or int(spec.action_dim) != nu):
            continue
        try:
            built.append(get_expert(entry.name, **options.get(entry.name, {})))
        except Exception as exc:  # one broken skill must not stop the run
            warnings.warn(f"skipping expert {entry.name!r}: {exc}", stacklevel=2)
    if not built:
        raise typer.BadParameter(f"no registered expert drives this env ({nu} actions); run `mwx skills list`")
    return built


def _top(names: list[str], w, k: int = 3) -> list[tuple[str, float]]:
    order = sorted(range(len(names)), key=lambda i: -float(w[i]))[:k]
    return [(names[i], float(w[i])) for i in order]


def agent_from_file(path: str | os.PathLike, options: dict[str, dict[str, Any]], seed: int, env: Any = None) -> Any:
    """The agent of a TOML file, with expert ``options``, ``seed`` and the env's task defaults
    beneath the file's own ``[experts.NAME]`` tables, ``[agent] seed`` and components."""
    from mwx_sdk.config import compose_from_config, load_agent_config

    cfg = load_agent_config(path)
    for name, opts in options.items():
        cfg.expert_options[name] = {**opts, **cfg.expert_options.get(name, {})}
    cfg.agent.setdefault("seed", seed)
    return compose_from_config(cfg, env=env)


def episode_fell(env: Any, terminated: bool, success: bool) -> bool:
    """Whether the episode ended in a fall: the env ended it without its task succeeding (tasks
    such as walk_sit end an episode on success), or the robot is down now."""
    import numpy as np

    from mwx_sdk.eval.metrics import fell

    fallen = getattr(getattr(env, "unwrapped", env), "predicates", None)
    down = callable(fallen) and bool(fallen().get("fallen", lambda: False)())
    return fell(np.empty(0), terminated, succeeded=success) or down


class _RunView:
    """The live view, the video and the GIF of ``mwx run``, fed by the episode loop."""

    def __init__(self, env: Any, names: list[str], console: Any, live: bool, video: Path | None,
                 gif: Path | None, result: EpisodeResult, verbosity: int = NORMAL) -> None:
        from rich.live import Live

        self.env, self.names, self.console, self.live, self.result = env, names, console, live, result
        self.verbosity = verbosity
        self.agent = None
        self._subgoal = -1
        fps = round(1.0 / float(getattr(env.unwrapped, "dt", 0.02)))
        self.recorder = self.gif_rec = None
        if video is not None:
            from mwx_sdk.envs.render import VideoRecorder

            self.recorder = VideoRecorder(video, fps=fps)
        if gif is not None:
            from mwx_sdk.envs.render import GifRecorder

            self.gif_rec = GifRecorder(gif, fps=fps)
        self.view = Live(console=console, refresh_per_second=4, transient=True, auto_refresh=live)
        self._stack = None

    def __enter__(self) -> _RunView:  # noqa: PYI034
        from contextlib import ExitStack

        self._stack = ExitStack()
        self._stack.enter_context(self.view)
        for rec in (self.recorder, self.gif_rec):
            if rec is not None:
                self._stack.enter_context(rec)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.__exit__(*exc)

    def on_start(self, env: Any, agent: Any, obs: Any, plan: Any) -> None:
        self.agent = agent
        result = self.result
        result.subgoals = [f"{s.description} -> {s.lead}" + (f" until {s.predicate}" if s.predicate else "")
                           for s in plan.subgoals]
        result.plan = [{"description": s.description, "lead": s.lead, "predicate": s.predicate,
                        "weights": dict(s.weights)} for s in plan.subgoals]
        result.subgoal_steps = [0] * len(plan.subgoals)
        result.subgoal_returns = [0.0] * len(plan.subgoals)
        result.components = _components(agent)
        self._subgoal = 0  # the listing below names the first sub-goal; later ones are announced
        if self.verbosity < NORMAL:
            return
        # instruction and sub-goals are user and model text: printed through textsafe, never as markup
        self.console.print(f"[bold]{for_terminal(result.instruction)}[/] on {for_terminal(result.env_id)} "
                           f"with {for_terminal(', '.join(self.names))}")
        for i, sg in enumerate(result.subgoals):
            self.console.print(f"  sub-goal {i + 1}: {for_terminal(sg, 300)}")
            if self.verbosity >= VERBOSE:
                top = sorted(result.plan[i]["weights"].items(), key=lambda kv: -kv[1])[:3]
                self.console.print("    weights: " + for_terminal("  ".join(f"{n} {w:.2f}" for n, w in top)))
        if self.verbosity >= VERBOSE:
            self._print_components()

    def _print_components(self) -> None:
        parts = self.result.components
        rows = [(kind, parts[kind]["name"], parts[kind]["settings"]) for kind in ("router", "planner", "vlm")]
        rows += [("expert", name, c["settings"]) for name, c in parts["experts"].items()]
        rows.append(("agent loop", "", parts["agent"]["settings"]))
        for kind, name, settings in rows:
            label = f"{kind} {for_terminal(name)}" if name else kind
            self.console.print(f"  {label}: {for_terminal(settings_text(settings), 2000)}", highlight=False)

    def on_step(self, step: Any) -> None:
        k, reward = step.index, step.reward
        d = self.agent.diagnostics
        result, i = self.result, d.subgoal_index
        if 0 <= i < len(result.subgoal_steps):
            result.subgoal_steps[i] += 1
            result.subgoal_returns[i] += float(reward)
        if i != self._subgoal:
            if self.verbosity >= VERBOSE:
                self.console.print(f"  step {k}: sub-goal {i + 1} ({for_terminal(d.subgoal, 120)})",
                                   highlight=False)
            self._subgoal = i
        top = _top(self.names, d.fused_weights)
        recorder, gif_rec = self.recorder, self.gif_rec
        if recorder is not None or (gif_rec is not None and gif_rec.wants_frame()):
            frame = self.env.render()
            lines = [f"{k:4d} {for_overlay(d.subgoal, 28)}", "  ".join(f"{n} {w:.2f}" for n, w in top),
                     f"r {reward:.2f}"]
            for rec in (recorder, gif_rec):
                if rec is not None:
                    rec.add(frame, lines)
        elif gif_rec is not None:
            gif_rec.add(None)  # a frame the GIF skips is not rendered
        if self.live and (k % 10 == 0 or step.terminated or step.truncated):
            self.view.update(_live_table(k, d, top, reward, step.episode_return))

    def on_end(self, outcome: Any) -> None:
        pass


def _components(agent: Any) -> dict[str, Any]:
    """Name and resolved settings of the agent's router, planner, VLM backend, experts and loop."""

    def one(obj: Any, name: str | None = None) -> dict[str, Any]:
        return {"name": name or getattr(obj, "name", "") or type(obj).__name__, "settings": settings_of(obj)}

    return {
        "router": one(agent.router),
        "planner": one(agent.planner),
        "vlm": one(agent.vlm),
        "experts": {name: one(e, name) for name, e in zip(agent.expert_names, agent.experts)},
        "agent": {"name": "agent", "settings": settings_of(agent)},
    }


def run_episode(
    instruction: str,
    env_id: str | None = None,
    *,
    experts: list[str] | None = None,
    router: str = "fusion",
    planner: str | None = None,
    vlm: str = "embedding",
    vlm_config: dict | None = None,
    config: Path | None = None,
    steps: int = 500,
    seed: int = 0,
    video: Path | None = None,
    plot: Path | None = None,
    live: bool = True,
    width: int = 640,
    height: int = 480,
    console: Any = None,
    gif: Path | None = None,
    verbosity: int = NORMAL,
    model_variant: str | None = None,
) -> EpisodeResult:
    """Compose an agent, run one episode and write the optional video and weight plot.

    Args:
        instruction: what to do.
        env_id: gymnasium id; ``None`` picks one from the instruction.
        experts: expert names; ``None`` takes the task's composition, or every registered
            expert for the env's robot where the env has no task.
        router: router name.
        planner: planner name; ``None`` takes the task's (``mppi``), or ``direct`` without a task.
        vlm: VLM backend name.
        vlm_config: options of the VLM backend (``model``, ``api_base`` ... for litellm).
        config: an agent TOML file (its components replace router/planner/vlm/experts).
        steps: control steps at most.
        seed: env and agent seed.
        video: mp4 path (top expert weights drawn on each frame).
        plot: png path of the weights over time.
        live: show a live view.
        width: video width.
        height: video height.
        console: a rich console to print to.
        gif: path of a small animated GIF (320 px wide, about 16 frames/s, same overlays).
        verbosity: what to print while the episode runs: ``QUIET`` nothing, ``NORMAL`` the
            instruction and its sub-goals, ``VERBOSE`` also the sub-goals' weights, each
            component's resolved settings and every change of sub-goal (levels of
            ``mwx_cli._output``). It changes nothing in the episode.

    Returns:
        The episode figures.
    """
    os.environ.setdefault("MUJOCO_GL", "egl")
    from rich.console import Console

    from mwx_sdk.agent import compose
    from mwx_sdk.plugins import check_env, make_env

    console = console or Console()
    env_id = env_id or pick_env(instruction)
    # the litellm backend may send a camera image, so the env renders for it too
    wants_frames = video is not None or gif is not None or vlm == "litellm"
    kwargs = {"render_mode": "rgb_array", "width": width, "height": height} if wants_frames else {}
    if model_variant is not None:
        from mwx_cli.eval import _variant_kwargs

        kwargs.update(_variant_kwargs(env_id, model_variant))
    env = make_env(env_id, **kwargs)
    check_env(env_id, env)
    robot = "h1" if env_id.startswith("mwx/h1-") else None
    from mwx_sdk.episode import seed_everything
    from mwx_sdk.task import task_for_env

    seed_everything(seed)  # as `mwx eval` does: one seed for the env, the agent and its components
    task = task_for_env(env)
    if config is not None:
        agent = agent_from_file(config, {}, seed, env=env)
    else:
        # the task's composition where the env has a task (compose applies it); every expert
        # that drives the env otherwise
        if experts is None and (task is None or task.composition is None):
            experts = _experts_for(env, None, robot)
        agent = compose(
            experts=experts,
            router=router,
            planner=planner,
            vlm=vlm,
            vlm_config=vlm_config,
            env=env,
            config={"seed": seed},
        )
    names = agent.expert_names
    result = EpisodeResult(env_id=env_id, instruction=instruction, experts=names, seed=seed)
    from mwx_sdk.episode import run_agent_episode

    view = _RunView(env, names, console, live, video, gif, result, verbosity=verbosity)
    # the recorders finish their files when the loop ends, and remove them if it raises
    with view:
        outcome = run_agent_episode(env, agent, instruction, seed=seed, steps=steps, callbacks=[view])
    ret, terminated, info = outcome.episode_return, outcome.terminated, outcome.info
    result.steps = outcome.steps
    t_agent, t_env = outcome.agent_s, outcome.env_s
    result.episode_return = ret
    result.success = bool(info.get("success", False))
    result.fell = episode_fell(env, terminated, result.success)
    result.agent_ms = 1e3 * t_agent / max(result.steps, 1)
    result.env_ms = 1e3 * t_env / max(result.steps, 1)
    result.subgoals_reached = 1 + max((h.subgoal_index for h in agent.history), default=0)
    if view.recorder is not None:
        result.video = view.recorder.close()
    if view.gif_rec is not None:
        result.gif = view.gif_rec.close()
    if plot is not None:
        result.plot = plot_weights(agent, plot, title=f"{instruction} ({env_id})")
    agent.close()
    env.close()
    return result


def _live_table(k, d, top, reward, ret):
    from rich.table import Table

    t = Table(show_header=False, box=None)
    t.add_row("step", str(k))
    t.add_row("sub-goal", f"{d.subgoal_index + 1}: {for_terminal(d.subgoal, 120)}")
    t.add_row("weights", for_terminal("  ".join(f"{n} {w:.2f}" for n, w in top)))
    t.add_row("reward", f"{reward:.3f}  (return {ret:.1f})")
    return t


def plot_weights(agent: Any, path: Path, title: str = "") -> Path:
    """Plot fused weights w~ and state weights p(i|s) over time, sub-goals shaded (Agg backend).

    Args:
        agent: an agent after an episode (reads ``agent.history``).
        path: output png; written atomically.
        title: figure title.

    Returns:
        The path written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    hist = agent.history
    if not hist:
        raise ValueError("the agent has no history to plot; run some steps first")
    steps = np.array([h.step for h in hist])
    fused = np.stack([h.fused_weights for h in hist])
    sem = np.stack([h.semantic_weights for h in hist])
    state = np.stack([h.state_weights for h in hist])
    sub = np.array([h.subgoal_index for h in hist])
    fig, axes = plt.subplots(2, 1, figsize=(9, 5.5), sharex=True)
    colors = plt.get_cmap("tab10")
    for i, name in enumerate(agent.expert_names):
        axes[0].plot(steps, fused[:, i], color=colors(i % 10), label=name, lw=1.6)
        axes[0].plot(steps, sem[:, i], color=colors(i % 10), lw=0.8, ls="--")
        axes[1].plot(steps, state[:, i], color=colors(i % 10), lw=1.2)
    for ax in axes:
        for j in np.flatnonzero(np.diff(sub)) + 1:
            ax.axvline(steps[j], color="k", lw=0.8, ls=":")
        ax.set_ylim(-0.02, 1.02)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("fused w~ (dashed: semantic w)")
    axes[1].set_ylabel("state p(i|s)")
    axes[1].set_xlabel("control step")
    axes[0].legend(loc="upper right", ncol=min(len(agent.expert_names), 6), fontsize=8)
    if title:
        axes[0].set_title(title, fontsize=10)
    fig.tight_layout()
    from mwx_sdk.fileio import atomic_path

    path = Path(path)
    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=110, format=path.suffix.lstrip(".") or "png")
    finally:
        plt.close(fig)
    return path


def summary_line(result: EpisodeResult) -> str:
    """The episode's figures on one line (what ``mwx run -q`` prints)."""
    yes = {True: "yes", False: "no"}
    line = (f"{result.env_id}: return {result.episode_return:.2f} in {result.steps} steps, "
            f"success {yes[result.success]}, fell {yes[result.fell]}, "
            f"sub-goals {result.subgoals_reached}/{len(result.subgoals)}")
    written = [p for p in result.files().values() if p is not None]
    if written:
        line += "; wrote " + ", ".join(written)
    return clean_text(line, 2000)  # echoed as plain text, not Rich markup


def print_subgoals(result: EpisodeResult, console: Any = None) -> None:
    """A rich table of the steps and reward spent under each sub-goal (``mwx run -v``)."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    t = Table(title="sub-goals")
    for col, justify in (("#", "right"), ("sub-goal", "left"), ("until", "left"), ("steps", "right"),
                         ("return", "right")):
        t.add_column(col, justify=justify, overflow="fold")
    for i, sg in enumerate(result.as_dict()["subgoals"]):
        t.add_row(str(i + 1), for_terminal(f"{sg['description']} -> {sg['lead']}", 300),
                  for_terminal(sg["predicate"] or "-", 120), str(sg["steps"]), f"{sg['return']:.2f}")
    console.print(t)


def print_summary(result: EpisodeResult, console: Any = None, verbose: bool = False) -> None:
    """A rich table of the episode's figures (and one of its sub-goals when ``verbose``)."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    t = Table(title="mwx run")
    t.add_column("figure")
    t.add_column("value", overflow="fold")
    rows = [
        ("env", result.env_id),
        ("steps", str(result.steps)),
        ("return", f"{result.episode_return:.2f}"),
        ("success", "yes" if result.success else "no"),
        ("fell", "yes" if result.fell else "no"),
        ("sub-goals reached", f"{result.subgoals_reached}/{len(result.subgoals)}"),
        ("agent ms/step (experts, router, planner)", f"{result.agent_ms:.2f}"),
        ("env ms/step", f"{result.env_ms:.2f}"),
    ]
    if result.video:
        rows.append(("video", str(result.video)))
    if result.plot:
        rows.append(("weights plot", str(result.plot)))
    if result.gif:
        rows.append(("gif", str(result.gif)))
    for r in rows:
        t.add_row(*(for_terminal(cell, 300) for cell in r))
    if verbose:
        print_subgoals(result, console)
    console.print(t)


def _split_names(value: str | None) -> list[str] | None:
    if not value:
        return None
    names = [v.strip() for v in value.split(",") if v.strip()]
    return names or None


def run(
    instruction: str = typer.Argument(..., help='What to do, e.g. "walk forward then sit on the chair".'),
    env: str = typer.Option(None, "--env", help="Gymnasium id (default: picked from the instruction)."),
    experts: str = typer.Option(
        None, "--experts", help="Comma-separated expert names (default: the task's composition)."
    ),
    router: str = typer.Option("fusion", help="Router: fusion, semantic, state, uniform, switch."),
    planner: str = typer.Option(None, help="Planner: direct, mppi, ... (default: the task's, mppi; else direct)."),
    vlm: str = typer.Option("embedding", help="VLM backend: embedding (offline), lexical, litellm."),
    model: str = typer.Option(None, help="litellm model string, e.g. openai/gpt-4o-mini or ollama/llava."),
    api_base: str = typer.Option(None, help="litellm custom endpoint, e.g. http://localhost:11434."),
    api_key_env: str = typer.Option(None, help="Environment variable holding the API key."),
    config: Path = typer.Option(None, "--config", help="Agent TOML file (replaces router/planner/vlm/experts)."),
    steps: int = typer.Option(500, min=1, help="Control steps at most."),
    seed: int = typer.Option(0, help="Seed of the env and the agent."),
    model_variant: str = typer.Option(
        None, "--model-variant", help="H1 model of an mwx/ env: mesh (default; HumanoidBench's collision meshes) or primitive (primitive shapes, cheaper)."
    ),
    video: Path = typer.Option(None, help="mp4 path (default: <out>/<instruction>.mp4)."),
    plot: Path = typer.Option(None, help="Weights plot path (default: <out>/<instruction>-weights.png)."),
    gif: Path = typer.Option(None, "--gif", help="Also write a small animated GIF (320 px wide) here."),
    out: Path = typer.Option(Path("mwx-runs"), "--out", help="Folder for the default video and plot."),
    save: bool = typer.Option(True, "--save/--no-save", help="Write the default video and plot into --out."),
    live: bool = typer.Option(True, "--live/--no-live", help="Show the live view."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the final summary line: no live view, no table."),
    verbose: bool = typer.Option(
        False, "--verbose", "-v",
        help="Also print each sub-goal's weights and steps, and the components' resolved settings (the planner's included).",
    ),
) -> None:
    """Compose skills from a sentence and run one episode (writes a video and a weights plot)."""
    level = verbosity(quiet, verbose)
    if not instruction.strip():
        fail('the instruction is empty; say what to do, e.g. mwx run "walk forward"')
    if video is not None and video.suffix.lower() != ".mp4":
        raise typer.BadParameter(f"--video must end in .mp4, got {video}")
    if gif is not None and gif.suffix.lower() != ".gif":
        raise typer.BadParameter(f"--gif must end in .gif, got {gif}")
    if save:
        slug = re.sub(r"[^a-z0-9]+", "-", instruction.lower()).strip("-")[:60] or "run"
        video = video or out / f"{slug}.mp4"
        plot = plot or out / f"{slug}-weights.png"
    from mwx_sdk.fileio import check_writable

    # checked before the episode runs, which can take minutes
    for flag, target in (("--video", video), ("--plot", plot), ("--gif", gif)):
        if target is not None:
            try:
                check_writable(target)
            except OSError as exc:
                fail(f"{flag}: {exc}")
    vlm_options = {k: v for k, v in (("model", model), ("api_base", api_base), ("api_key_env", api_key_env)) if v}
    if vlm_options and vlm != "litellm":
        raise typer.BadParameter("--model, --api-base and --api-key-env apply to --vlm litellm")
    from rich.console import Console

    # under --json stdout is the result's alone: the lines before it and the live view use stderr
    console = Console(stderr=as_json)
    # reported: an unknown expert or env id, a broken agent file, no GL
    if model_variant is not None:  # checked before anything is built
        from mwx_cli.eval import _variant_kwargs

        with reported_input_errors(ValueError):
            _variant_kwargs(env or pick_env(instruction), model_variant)
    with reported_input_errors(), stdout_to_stderr(as_json):
        result = run_episode(
            instruction,
            env,
            experts=_split_names(experts),
            router=router,
            planner=planner,
            vlm=vlm,
            vlm_config=vlm_options or None,
            config=config,
            steps=steps,
            seed=seed,
            video=video,
            plot=plot,
            live=live and level > QUIET,
            gif=gif,
            console=console,
            verbosity=level,
            model_variant=model_variant,
        )
    if as_json:
        emit_json(result.as_dict())
    elif level == QUIET:
        typer.echo(summary_line(result))
    else:
        print_summary(result, console, verbose=level == VERBOSE)


def demo(
    out: Path = typer.Option(Path("mwx-demo"), "--out", help="Folder for demo.mp4 and weights.png."),
    steps: int = typer.Option(150, min=1, help="Control steps."),
    planner: str = typer.Option("mppi", help="Planner: mppi keeps the robot up; direct is ~20x faster and falls."),
    seed: int = typer.Option(0, help="Seed."),
    live: bool = typer.Option(True, "--live/--no-live", help="Show the live view."),
) -> None:
    """Run a short offline composition ("stand still then walk forward" on mwx/h1-walk-v0)."""
    out.mkdir(parents=True, exist_ok=True)
    result = run_episode(
        DEMO_INSTRUCTION,
        DEMO_ENV,
        planner=planner,
        vlm="embedding",
        steps=steps,
        seed=seed,
        video=out / "demo.mp4",
        plot=out / "weights.png",
        live=live,
    )
    print_summary(result)


def register(app: typer.Typer) -> None:
    """Add ``run`` and ``demo`` to the root application."""
    app.command("run", epilog=RUN_EXAMPLES)(run)
    app.command("demo", epilog="Example: mwx demo --planner direct --steps 100 --out mwx-demo")(demo)
