"""Distilling a neural expert from a planner teacher with DAgger-style relabelling.

The teacher is the agent :func:`mwx_sdk.agent.compose` builds for the skill's motion-prior expert
and a planner (``mppi`` by default) on the env's task (:func:`teacher_agent`): the same pairing,
task options and published horizon as at run time. Every episode, collected or evaluated, runs
through the one episode loop (:func:`mwx_sdk.episode.run_agent_episode`) and is seeded from its
own seed. Round 0 rolls the teacher out; every later round
rolls out a mixture (the teacher's action with probability ``beta_k``, else the student's),
labels every visited state with the teacher's action and retrains the student on all labels
so far. The student is a small MLP (:mod:`mwx_sdk.learn.mlp_policy`) run with numpy.

Each round ends with an atomic save of the dataset, the student and the round counter, so an
interrupted run resumes at the next round. A folder that holds a run is reused only to resume it
(with the same skill, env, teacher and student shape) or, when asked, to start over
(:mod:`mwx_sdk.learn.runs`).
"""

from __future__ import annotations

import itertools
import json
import os
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..fileio import atomic_path, atomic_write_text
from .checkpoint import CheckpointError
from .mlp_policy import MLPPolicyConfig, NumpyMLP, load_mlp, policy_features, save_mlp
from .runs import EXPERT, RunFolderError, check_same_options, claim_run_folder

# options that define the data and the student: a resumed run must keep them
RESUME_FIXED = {
    "skill": "NAME", "env_id": "--env", "teacher": "--teacher", "teacher_config": "--teacher-config",
    "hidden": "hidden", "phase_period": "--phase-period", "prev_action": "--prev-action", "seed": "--seed",
}


@dataclass
class DistillConfig:
    """Options of a distillation run.

    Args:
        skill: the motion-prior expert guiding the teacher (``stand``).
        env_id: environment.
        rounds: DAgger rounds after the teacher-only round.
        episodes_per_round: episodes collected per round.
        episode_steps: cap on a collected episode's length.
        epochs: passes over the aggregated data per round.
        batch_size: behaviour-cloning batch size.
        lr: learning rate.
        hidden: student hidden widths.
        beta_decay: teacher mixing probability in round k is ``beta_decay ** k``.
        teacher: planner name.
        teacher_config: planner keyword arguments.
        phase_period: period (s) of the student's phase input; 0 for none; -1 for the cycle of
            the skill's looping prior (clip length after ``loop_start`` over playback speed).
        prev_action: the student also sees the previously executed action (zeros after a
            reset), which the warm-started teacher's action mostly depends on.
        action_noise: std of Gaussian noise added to every executed action (DART-style), so the
            labels cover states just off the acting policy's path; the previous-action input
            stays the noise-free action.
        eval_steps: steps of the per-round student evaluation.
        seed: seed.
    """

    skill: str
    env_id: str
    rounds: int = 6
    episodes_per_round: int = 2
    episode_steps: int = 300
    epochs: int = 60
    batch_size: int = 256
    lr: float = 1e-3
    hidden: tuple[int, ...] = (256, 256)
    beta_decay: float = 0.5
    teacher: str = "mppi"
    teacher_config: dict | None = None
    phase_period: float = 0.0
    prev_action: bool = False
    action_noise: float = 0.0
    eval_steps: int = 1000
    seed: int = 0

    def __post_init__(self) -> None:
        if self.rounds < 0 or self.episodes_per_round < 1 or self.episode_steps < 1 or self.epochs < 1:
            raise ValueError("rounds >= 0, episodes_per_round, episode_steps and epochs >= 1 are required")
        if self.eval_steps < 1:
            raise ValueError(f"eval_steps must be >= 1, got {self.eval_steps}")
        if not 0 <= self.beta_decay <= 1:
            raise ValueError("beta_decay must be in [0, 1]")
        if self.action_noise < 0:
            raise ValueError("action_noise must be >= 0")
        if self.phase_period < 0 and self.phase_period != -1:
            raise ValueError("phase_period must be >= 0 seconds, or -1 for the prior's own cycle")
        self.hidden = tuple(self.hidden)


def _save_npz(path: Path, **arrays: np.ndarray) -> None:
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, **arrays)


def fit_mlp(
    x: np.ndarray,
    y: np.ndarray,
    cfg: MLPPolicyConfig,
    epochs: int,
    batch_size: int = 256,
    lr: float = 1e-3,
    init: dict[str, np.ndarray] | None = None,
    seed: int = 0,
) -> tuple[dict[str, np.ndarray], float]:
    """Behaviour cloning: fit ``tanh(MLP((x - mean) / std))`` to ``y`` by mean squared error.

    Args:
        x: inputs ``(n, in_dim)``.
        y: target actions ``(n, action_dim)`` in ``[-1, 1]``.
        cfg: network shape.
        epochs: passes over the data.
        batch_size: batch size.
        lr: Adam learning rate.
        init: parameters to start from (warm start), else a fresh network.
        seed: torch seed.

    Returns:
        ``(params, final_mse)`` with numpy parameters in :class:`NumpyMLP` layout.
    """
    import torch

    torch.manual_seed(seed)
    dims = [cfg.in_dim, *cfg.hidden, cfg.action_dim]
    layers: list[torch.nn.Module] = []
    for i, (a, b) in enumerate(itertools.pairwise(dims)):
        layers.append(torch.nn.Linear(a, b))
        if i < len(dims) - 2:
            layers.append(torch.nn.ReLU())
    net = torch.nn.Sequential(*layers)
    lins = [m for m in net if isinstance(m, torch.nn.Linear)]
    if init is not None:
        with torch.no_grad():
            for i, lin in enumerate(lins):
                lin.weight.copy_(torch.as_tensor(init[f"w{i}"]).t())
                lin.bias.copy_(torch.as_tensor(init[f"b{i}"]))
    mean = x.mean(0).astype(np.float32)
    # a floor on the scale: inputs that barely vary under the teacher would otherwise be
    # blown up by 1/std as soon as the student drifts, and the student falls
    std = np.maximum(x.std(0), 0.05).astype(np.float32)
    xt = torch.as_tensor((x - mean) / std, dtype=torch.float32)
    yt = torch.as_tensor(y, dtype=torch.float32)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    n = xt.shape[0]
    loss = torch.zeros(())
    for _ in range(epochs):
        perm = torch.randperm(n)
        for s in range(0, n, batch_size):
            idx = perm[s : s + batch_size]
            loss = ((torch.tanh(net(xt[idx])) - yt[idx]) ** 2).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    with torch.no_grad():
        mse = float(((torch.tanh(net(xt)) - yt) ** 2).mean())
    params = {"mean": mean, "std": std}
    for i, lin in enumerate(lins):
        params[f"w{i}"] = lin.weight.detach().t().contiguous().numpy()
        params[f"b{i}"] = lin.bias.detach().numpy().copy()
    return params, mse


class StudentActor:
    """The student alone, as an agent of the one episode loop: its action goes to the env as is
    (the ``direct`` planner's job), with its time input and its previous action carried."""

    def __init__(self, net: NumpyMLP) -> None:
        self.net = net
        self.t, self.dt = 0, 0.02
        self.action = np.zeros(net.cfg.action_dim, np.float32)

    def reset(self, instruction: str, env: Any, seed: int | None = None) -> None:
        self.t, self.dt = 0, float(getattr(getattr(env, "unwrapped", env), "dt", 0.02))
        self.action = np.zeros(self.net.cfg.action_dim, np.float32)

    def act(self, obs: np.ndarray) -> np.ndarray:
        self.action = self.net(obs, self.t * self.dt, self.action)
        self.t += 1
        return self.action


def evaluate_mlp(net: NumpyMLP, env_id: str, steps: int, seed: int) -> dict[str, float]:
    """Run the student alone (the ``direct`` planner) for up to ``steps`` steps."""
    from ..episode import run_agent_episode
    from ..plugins import make_env

    env = make_env(env_id)
    try:
        out = run_agent_episode(env, StudentActor(net), net.cfg.skill or "act", seed=seed, steps=steps)
    finally:
        env.close()
    return {"return": out.episode_return, "length": float(out.steps)}


def teacher_agent(cfg: DistillConfig, env: Any) -> Any:
    """The teacher: the skill's expert through the teacher planner, composed as every agent is
    (:func:`mwx_sdk.agent.compose`: the env's task options for the expert beneath
    ``teacher_config``), so it publishes what the planner reads, the prior's actions over the
    planning horizon included, and seeds the planner from each episode's seed."""
    from ..agent import AgentConfig, compose

    return compose(
        experts=[cfg.skill], router="uniform", planner=cfg.teacher, vlm="lexical", env=env,
        planner_config=dict(cfg.teacher_config or {}),
        # the prior plays the whole episode: a change of sub-goal would reset it (restart its clip)
        config=AgentConfig(min_subgoal_steps=cfg.episode_steps, subgoal_timeout_steps=0, keep_history=False),
    )


class _DAggerActor:
    """One collection episode as an agent of the one episode loop: every visited state is
    labelled with the teacher's action; the executed action is the teacher's with probability
    ``beta`` (always without a student), else the student's, plus the exploration noise."""

    def __init__(self, teacher: Any, student: NumpyMLP | None, beta: float, mcfg: MLPPolicyConfig,
                 rng: np.random.Generator, action_noise: float) -> None:
        self.teacher, self.student, self.beta, self.mcfg = teacher, student, beta, mcfg
        self.rng, self.noise = rng, action_noise
        self.x: list[np.ndarray] = []
        self.y: list[np.ndarray] = []

    def reset(self, instruction: str, env: Any, seed: int | None = None) -> Any:
        plan = self.teacher.reset(instruction, env, seed=seed)
        self.t, self.dt = 0, float(getattr(getattr(env, "unwrapped", env), "dt", 0.02))
        self.a_prev = np.zeros(self.mcfg.action_dim, np.float32)
        return plan

    def act(self, obs: np.ndarray) -> np.ndarray:
        t, a_prev = self.t * self.dt, self.a_prev
        a_t = self.teacher.act(obs)
        self.x.append(policy_features(self.mcfg, obs, t, a_prev))
        self.y.append(a_t.astype(np.float32))
        a = a_t if (self.student is None or self.rng.random() < self.beta) else self.student(obs, t, a_prev)
        self.a_prev = np.asarray(a, np.float32)
        if self.noise > 0:
            a = np.clip(a + self.rng.normal(0.0, self.noise, self.mcfg.action_dim), -1, 1)
        self.t += 1
        return a


def distill(cfg: DistillConfig, out: str | os.PathLike, resume: bool = False,
            log: Callable[[str], None] = print, overwrite: bool = False) -> dict[str, Any]:
    """Run the distillation; write ``OUT/expert`` (the student), ``OUT/dataset.npz`` and
    ``OUT/progress.json``.

    Args:
        cfg: options.
        out: run folder.
        resume: continue the run in ``out`` after its last finished round (same skill, env,
            teacher and student shape).
        log: message sink.
        overwrite: start over in a folder that holds a run (its files are removed first).

    Returns:
        A summary (rounds done, dataset size, last evaluation).

    Raises:
        RunFolderError: ``out`` holds a run and neither ``resume`` nor ``overwrite`` is set,
            ``resume`` finds nothing to resume, or the run used other options.
        CheckpointError: the files to resume are damaged.
    """
    from ..episode import instruction_for, run_agent_episode
    from ..plugins import make_env

    out = Path(out)
    env = make_env(cfg.env_id)
    obs_dim = int(np.prod(env.observation_space.shape))
    act_dim = int(np.prod(env.action_space.shape))
    teacher = teacher_agent(cfg, env)
    prior = teacher.experts[0]
    period = prior_cycle(prior) if cfg.phase_period == -1 else cfg.phase_period
    mcfg = MLPPolicyConfig(obs_dim=obs_dim, action_dim=act_dim, hidden=cfg.hidden, phase_period=period,
                           skill=cfg.skill, env_id=cfg.env_id, prev_action=cfg.prev_action)
    instruction = instruction_for(env, cfg.skill)
    claim_run_folder(out, EXPERT, resume=resume, overwrite=overwrite)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(cfg.seed)
    xs = np.zeros((0, mcfg.in_dim), np.float32)
    ys = np.zeros((0, act_dim), np.float32)
    start, params, history = 0, None, []
    progress = out / "progress.json"
    if resume:
        state = _read_progress(out)
        check_same_options(out, state.get("config") or _stored_config(out), asdict(cfg), RESUME_FIXED)
        start, history = state["next_round"], state["history"]
        rng.bit_generator.state = state["rng"]
        try:
            with np.load(out / "dataset.npz", allow_pickle=False) as z:
                xs, ys = z["x"], z["y"]
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            raise CheckpointError(
                f"{out / 'dataset.npz'} is missing or damaged ({exc}); the run cannot be resumed: pass --overwrite "
                "to start over"
            ) from None
        if xs.shape[1] != mcfg.in_dim:
            raise RunFolderError(
                f"{out / 'dataset.npz'} has {xs.shape[1]} input features but this configuration needs "
                f"{mcfg.in_dim} (prev_action / phase_period changed?); use a new --out folder"
            )
        net = load_mlp(out / "expert")
        params = _params_of(net)
        log(f"resuming at round {start} with {len(xs)} labelled states")
    student = NumpyMLP(mcfg, params) if params is not None else None
    for k in range(start, cfg.rounds + 1):
        beta = 1.0 if student is None else cfg.beta_decay**k
        actor = _DAggerActor(teacher, student, beta, mcfg, rng, cfg.action_noise)
        rets = []
        for ep in range(cfg.episodes_per_round):
            seed = int(cfg.seed * 10_007 + k * 101 + ep)
            rets.append(run_agent_episode(env, actor, instruction, seed=seed, steps=cfg.episode_steps).episode_return)
        new_x, new_y = actor.x, actor.y
        xs = np.concatenate([xs, np.asarray(new_x, np.float32)])
        ys = np.concatenate([ys, np.asarray(new_y, np.float32)])
        params, mse = fit_mlp(xs, ys, mcfg, cfg.epochs, cfg.batch_size, cfg.lr, init=params, seed=cfg.seed + k)
        student = NumpyMLP(mcfg, params)
        ev = evaluate_mlp(student, cfg.env_id, cfg.eval_steps, seed=cfg.seed + 777)
        row = {"round": k, "beta": beta, "labels": len(xs), "collect_return": float(np.mean(rets)),
               "bc_mse": mse, "student_return": ev["return"], "student_length": ev["length"]}
        history.append(row)
        log(json.dumps(row))
        _save_npz(out / "dataset.npz", x=xs, y=ys)
        save_mlp(out / "expert", mcfg, params, meta={"distill": asdict(cfg), "history": history})
        atomic_write_text(progress, json.dumps({"next_round": k + 1, "history": history,
                                                "rng": rng.bit_generator.state, "config": asdict(cfg)}))
    teacher.close()
    env.close()
    return {"rounds": len(history), "labels": len(xs), "last": history[-1] if history else {}}


def _read_progress(out: Path) -> dict[str, Any]:
    """``progress.json`` of a run to resume, checked."""
    path = out / "progress.json"
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        problem = " ".join(str(exc).split())
    else:
        missing = [k for k in ("next_round", "history", "rng") if k not in state] if isinstance(state, dict) else None
        if missing is None:
            problem = f"a JSON {type(state).__name__}, not an object"
        elif missing:
            problem = f"no {missing} field"
        else:
            return state
    raise CheckpointError(
        f"{path} is missing or damaged ({problem}); the run cannot be resumed: pass --overwrite to start over"
    )


def _stored_config(out: Path) -> dict[str, Any] | None:
    """The options of a run whose progress.json predates storing them (kept in the expert's config.json)."""
    try:
        return json.loads((out / "expert" / "config.json").read_text()).get("distill")
    except (OSError, ValueError, AttributeError):
        return None


def prior_cycle(prior: Any) -> float:
    """Seconds of one cycle of a looping motion-prior expert (its ``cycle_seconds``).

    Raises:
        ValueError: the expert does not play a looping clip, so it has no cycle.
    """
    cycle = getattr(prior, "cycle_seconds", None)
    if cycle is None:
        raise ValueError(
            f"expert {getattr(getattr(prior, 'spec', None), 'name', prior)!r} does not play a looping clip, "
            "so it has no phase cycle; pass a phase period in seconds, or 0 for none"
        )
    return float(cycle)


def _params_of(net: NumpyMLP) -> dict[str, np.ndarray]:
    p = {"mean": net.mean, "std": 1.0 / net.inv_std}
    for i, (w, b) in enumerate(zip(net.ws, net.bs)):
        p[f"w{i}"], p[f"b{i}"] = w, b
    return p
