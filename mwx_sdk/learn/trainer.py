"""Online TD-MPC2 training on a gymnasium environment, with expert guidance, periodic
evaluation, metric logs and resumable checkpoints.

Expert guidance (MetaWorld): the listed experts' blended action ``a_ref`` is computed at every
step and stored with the transition, so the policy prior is pulled towards it by
``lambda * ||a - a_ref||^2``. A guided agent acts around ``a_ref`` (``residual``, on unless
``--set residual=false`` asks for MetaWorld's seeding of the sampling mean only): its plan is
``a_ref`` plus a residual bounded by an anchor that opens as the learned value earns trust. The
trainer measures that trust after every training episode: the value the agent predicted for each
executed action against the discounted return that followed (steps whose return the episode's
end leaves unknown are skipped). With ``guidance_lambda = 0`` the experts are not consulted at
all: plain TD-MPC2.

Resuming restores the agent, both optimizers, the replay buffer, the step counters and every
random generator; an episode cut by the interruption is closed in the buffer (its transitions
are kept) and a new one starts. The metric log is cut back to the checkpoint's step, so the steps
trained again after the interruption are not logged twice. A folder that holds a run is reused
only to resume it (with the same task and model options) or, when asked, to start over
(:mod:`mwx_sdk.learn.runs`).
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..fileio import atomic_write_text
from .checkpoint import CheckpointError, read_config
from .replay import ReplayBuffer
from .runs import WORLD_MODEL, check_same_options, claim_run_folder

CKPT_DIR = WORLD_MODEL.checkpoint

# options that define the task, the data or the model: a resumed run must keep them
RESUME_FIXED = {
    "env_id": "--env", "max_episode_steps": "max_episode_steps", "experts": "--experts",
    "guidance_lambda": "--lambda", "imitation_coef": "--imitation", "model_size": "--model-size",
    "seed": "--seed", "seed_steps": "--seed-steps", "agent": "--set", "env_options": "--model-variant",
}
# TDMPC2Config fields the trainer sets from its own options
_AGENT_FROM_TRAIN = ("obs_dim", "action_dim", "model_size", "device", "guidance_lambda", "imitation_coef")


@dataclass
class TrainConfig:
    """Options of one training run.

    Args:
        env_id: gymnasium id (``mwx/h1-stand-v0``).
        experts: expert names blended uniformly into ``a_ref``.
        steps: environment steps to collect.
        seed: run seed (env resets, torch, numpy).
        seed_steps: initial steps with uniformly random actions.
        pretrain_updates: updates run once when the seed steps are collected.
        updates_per_step: gradient updates per environment step afterwards.
        eval_every: evaluate every N environment steps (0: only at the end).
        eval_episodes: episodes per evaluation.
        ckpt_every: checkpoint every N environment steps (0: only at the end).
        guidance_lambda: expert-guidance weight (0 = plain TD-MPC2, experts unused).
        imitation_coef: weight of the imitation reward (experts' reference pose) in the
            reward target; 0 disables it.
        model_size: TD-MPC2 preset (1 or 5).
        device: ``"auto"``, ``"cpu"`` or ``"cuda"``.
        max_episode_steps: cap on episode length (``None``: the env's own).
        agent: further ``TDMPC2Config`` fields (``iterations``, ``num_samples`` ...).
        eval_at_start: evaluate the untrained agent once before the first step (logged at
            step 0), so a learning curve starts where the agent starts.
        env_options: further ``make_env`` keyword arguments (``{"model_variant": "primitive"}``);
            part of what a resumed run must repeat.
    """

    env_id: str
    experts: tuple[str, ...] = ()
    steps: int = 20000
    seed: int = 0
    seed_steps: int = 1000
    pretrain_updates: int = 1000
    updates_per_step: int = 1
    eval_every: int = 2000
    eval_episodes: int = 1
    ckpt_every: int = 2000
    guidance_lambda: float = 0.05
    imitation_coef: float = 0.0
    model_size: int = 1
    device: str = "auto"
    max_episode_steps: int | None = None
    agent: dict[str, Any] = field(default_factory=dict)
    eval_at_start: bool = False
    env_options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.experts = tuple(self.experts)
        self.env_options = dict(self.env_options)
        if self.steps <= 0:
            raise ValueError(f"steps must be positive, got {self.steps}")
        for k in ("seed_steps", "pretrain_updates", "eval_every", "ckpt_every", "updates_per_step"):
            if getattr(self, k) < 0:
                raise ValueError(f"{k} must be >= 0")
        if self.eval_episodes < 1:
            raise ValueError("eval_episodes must be >= 1")
        if (self.guidance_lambda > 0 or self.imitation_coef > 0) and not self.experts:
            raise ValueError(
                "expert guidance or the imitation reward needs experts: pass --experts NAME "
                "or set --lambda 0 for plain TD-MPC2"
            )

    @property
    def guided(self) -> bool:
        return self.guidance_lambda > 0 and bool(self.experts)


class Trainer:
    """Runs :class:`TrainConfig` and writes ``out/checkpoint``, ``out/metrics.jsonl``.

    Args:
        cfg: the run options.
        out: output folder.
        resume: continue the run in ``out`` from ``out/checkpoint`` (which must exist and have
            been trained with the same task and model options).
        loggers: objects with ``log(step, values: dict)`` and ``close()``.
        overwrite: start over in a folder that holds a run (its checkpoint, metrics and event
            files are removed first).

    Raises:
        RunFolderError: ``out`` holds a run and neither ``resume`` nor ``overwrite`` is set,
            ``resume`` finds no checkpoint, or the run was trained with other options.
        CheckpointError: the checkpoint to resume is damaged.
    """

    def __init__(self, cfg: TrainConfig, out: str | os.PathLike, resume: bool = False, loggers: Sequence = (),
                 overwrite: bool = False) -> None:
        import torch  # noqa: F401  (loaded before seed_everything, which seeds it when loaded)

        from ..episode import instruction_for, seed_everything
        from ..plugins import make_env
        from .tdmpc2 import TDMPC2Agent, TDMPC2Config
        from .tdmpc2.persist import load_agent

        self.cfg, self.out, self.loggers = cfg, Path(out), list(loggers)
        kw = dict(cfg.env_options)
        if cfg.max_episode_steps is not None:
            kw["max_episode_steps"] = cfg.max_episode_steps
        self.env = make_env(cfg.env_id, **kw)
        self.eval_env = make_env(cfg.env_id, **kw)
        obs_dim = int(np.prod(self.env.observation_space.shape))
        act_dim = int(np.prod(self.env.action_space.shape))
        need_experts = cfg.guided or cfg.imitation_coef > 0
        # the experts as an agent composed the task-defaults way, one per env: an evaluation
        # resets its own guide, never the one of the training episode it interrupts
        self.guide = guide_agent(cfg.experts, self.env) if need_experts else None
        self.eval_guide = guide_agent(cfg.experts, self.eval_env) if need_experts else None
        self.experts = self.guide.experts if self.guide is not None else []
        self.instruction = instruction_for(self.env, " and ".join(cfg.experts) or "act")
        for e in self.experts:
            if e.spec.action_dim != act_dim:
                raise ValueError(f"expert {e.spec.name!r} outputs {e.spec.action_dim} actions; {cfg.env_id} takes {act_dim}")
        acfg = None
        if not resume:  # a bad option must fail before --overwrite removes the old run
            options = _agent_options(cfg.agent, TDMPC2Config)
            if options.get("residual") and not cfg.guided:
                raise ValueError(
                    "residual=true acts around the experts' action: pass --experts NAME and --lambda > 0"
                )
            try:
                acfg = TDMPC2Config.from_dict({
                    "residual": cfg.guided, **options, "obs_dim": obs_dim, "action_dim": act_dim,
                    "model_size": cfg.model_size, "device": cfg.device,
                    "guidance_lambda": cfg.guidance_lambda if cfg.guided else 0.0,
                    "imitation_coef": cfg.imitation_coef,
                })
            except (TypeError, ValueError) as exc:
                raise ValueError(f"invalid TD-MPC2 options {options or ''} ({exc})") from None
        claim_run_folder(self.out, WORLD_MODEL, resume=resume, overwrite=overwrite)
        self.out.mkdir(parents=True, exist_ok=True)
        self.counters = {"env_steps": 0, "episodes": 0, "evals": 0}
        self.rng = np.random.default_rng(cfg.seed)
        ckpt = self.out / CKPT_DIR
        if resume:
            _, doc = read_config(ckpt)
            check_same_options(self.out, doc.get("train"), asdict(cfg), RESUME_FIXED)
            self.agent, buf, doc = load_agent(ckpt, device=cfg.device, resume=True,
                                              expect_obs_dim=obs_dim, expect_action_dim=act_dim)
            if buf is None or "trainer_rng" not in doc:
                raise CheckpointError(
                    f"checkpoint {ckpt} holds no replay buffer or trainer state, so it cannot be resumed "
                    "(it was not written by a training run); pass --overwrite to start over"
                )
            self.buffer = buf
            self.buffer.end_episode()
            self.counters.update(doc.get("counters", {}))
            try:
                self.rng.bit_generator.state = doc["trainer_rng"]
            except (TypeError, ValueError, KeyError) as exc:
                raise CheckpointError(
                    f"{ckpt / 'config.json'} holds an invalid trainer_rng ({exc}); it cannot be resumed: pass "
                    "--overwrite to start over"
                ) from None
            self._truncate_metrics(self.counters["env_steps"])
        else:
            seed_everything(cfg.seed)
            self.agent = TDMPC2Agent(acfg)
            cap = cfg.steps + cfg.steps // 10 + 1000
            self.buffer = ReplayBuffer(obs_dim, act_dim, cap, acfg.horizon, seed=cfg.seed)
            atomic_write_text(self.out / "metrics.jsonl", "")
        atomic_write_text(self.out / "train_config.json", json.dumps(asdict(cfg), indent=1))

    # -- helpers -----------------------------------------------------------------------------
    def _truncate_metrics(self, step: int) -> None:
        """Keep the metric rows up to ``step`` (the checkpoint's); drop unreadable lines with a
        warning: a process killed while appending leaves a torn last line."""
        path = self.out / "metrics.jsonl"
        if not path.is_file():
            return
        keep, torn = [], []
        for i, ln in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if not ln.strip():
                continue
            try:
                row_step = json.loads(ln)["step"]
                if not isinstance(row_step, (int, float)):
                    raise TypeError(row_step)
            except (ValueError, KeyError, TypeError):
                torn.append(i)
                continue
            if row_step <= step:
                keep.append(ln)
        if torn:
            warnings.warn(
                f"{path}: dropped {len(torn)} unreadable line(s) (line {', '.join(map(str, torn[:5]))}), "
                "most likely cut off when the run was interrupted",
                RuntimeWarning, stacklevel=3,
            )
        atomic_write_text(path, "".join(ln + "\n" for ln in keep))

    def _log(self, step: int, kind: str, values: dict[str, float]) -> None:
        row = {"step": step, "kind": kind, **values}
        with open(self.out / "metrics.jsonl", "a") as fh:
            fh.write(json.dumps(row) + "\n")
        for lg in self.loggers:
            lg.log(step, {f"{kind}/{k}": v for k, v in values.items()})

    def _imitation(self, env: Any) -> float:
        if self.cfg.imitation_coef <= 0:
            return 0.0
        from ..motion.imitation import imitation_reward

        ctx = self.guide.ctx
        refs = [r for r in (e.reference_qpos(ctx) for e in self.experts) if r is not None]
        if not refs:
            return 0.0
        ref = np.mean(refs, axis=0)
        q = np.asarray(env.unwrapped.data.qpos)[-len(ref):]
        return float(imitation_reward(q, ref))

    def _observe_returns(self, values: list[float], rewards: list[float], terminated: bool) -> None:
        """Hand the agent's acting-time values and the discounted returns that followed them to
        its trust measure (residual guidance only)."""
        agent = self.agent
        if not agent.cfg.residual or not values:
            return
        g = returns_to_go(rewards, agent.cfg.discount, terminated)
        if len(g):
            agent.observe_returns(np.asarray(values[: len(g)], np.float64), g)

    def _trust_values(self) -> dict[str, float]:
        a = self.agent
        if not a.cfg.residual:
            return {}
        out = {"trust": a.trust, "anchor": a.anchor}
        if np.isfinite(a.explained_variance):  # NaN until enough returns were observed
            out["value_r2"] = a.explained_variance
        return out

    def checkpoint(self) -> None:
        """Write ``out/checkpoint`` (agent, optimizers, buffer, counters, RNG) atomically."""
        from .tdmpc2.persist import save_agent

        save_agent(self.out / CKPT_DIR, self.agent, buffer=self.buffer, counters=self.counters,
                   extra={"trainer_rng": self.rng.bit_generator.state, "train": asdict(self.cfg)},
                   env_id=self.cfg.env_id)

    # -- evaluation --------------------------------------------------------------------------
    def evaluate(self) -> dict[str, float]:
        """Run ``eval_episodes`` episodes with the planner's mean action through the one episode
        loop; return mean return/length. The training's random generators and the learner's
        warm-start plan are as they were afterwards, so evaluating changes nothing in training."""
        from ..episode import global_rng_kept, run_agent_episode

        returns, lengths = [], []
        actor = LearnerActor(self.agent, self.eval_guide, guided=self.cfg.guided, eval_mode=True)
        with global_rng_kept(), _warm_start_kept(self.agent):
            for k in range(self.cfg.eval_episodes):
                seed = 10_000 + self.cfg.seed * 100 + k
                out = run_agent_episode(self.eval_env, actor, self.instruction, seed=seed)
                returns.append(out.episode_return)
                lengths.append(out.steps)
        return {"return": float(np.mean(returns)), "length": float(np.mean(lengths))}

    # -- the loop ----------------------------------------------------------------------------
    def run(self, progress: Callable[[int, dict], None] | None = None) -> dict[str, Any]:
        """Collect ``steps`` environment steps, updating, evaluating and checkpointing.

        Args:
            progress: called as ``progress(env_steps, last_values)`` after every step.

        Returns:
            Final counters and the last evaluation.
        """
        cfg, c = self.cfg, self.counters
        last_eval: dict[str, float] = {}
        info: dict[str, float] = {}
        t_start = time.perf_counter()
        steps_at_start = c["env_steps"]
        if cfg.eval_at_start and c["env_steps"] == 0 and c["evals"] == 0:
            last_eval = self.evaluate()
            c["evals"] += 1
            self._log(0, "eval", {**last_eval, **self._trust_values()})
        actor = LearnerActor(self.agent, self.guide, guided=cfg.guided)
        # the trainer's own loop, not run_agent_episode: it steps the learner itself (random
        # seed-phase actions, updates and evaluations between steps, episodes cut by the budget)
        while c["env_steps"] < cfg.steps:
            ep_seed = cfg.seed * 1_000_003 + c["episodes"]
            obs, _ = self.env.reset(seed=ep_seed)
            actor.reset(self.instruction, self.env, seed=ep_seed)
            self.buffer.start_episode(obs)
            c["episodes"] += 1
            ep_ret, t, done, term = 0.0, 0, False, False
            values: list[float] = []  # acting-time values, NaN where the action was random
            rewards: list[float] = []
            while not done and c["env_steps"] < cfg.steps:
                a_ref = actor.reference(obs)
                if c["env_steps"] < cfg.seed_steps:
                    a = self.rng.uniform(-1, 1, self.agent.cfg.action_dim).astype(np.float32)
                    values.append(float("nan"))
                else:
                    a = self.agent.act(obs, a_ref, t0=t == 0)
                    values.append(self.agent.last_value)
                next_obs, r, term, trunc, _ = self.env.step(a)
                rewards.append(float(r))
                t += 1
                imit = self._imitation(self.env)
                self.buffer.add(a, float(r), next_obs, bool(term), a_ref=a_ref, imitation=imit)
                obs, ep_ret, done = next_obs, ep_ret + float(r), term or trunc
                c["env_steps"] += 1
                n = c["env_steps"]
                if n == cfg.seed_steps and cfg.pretrain_updates:
                    for _ in range(cfg.pretrain_updates):
                        info = self.agent.update(self.buffer.sample(self.agent.cfg.batch_size))
                elif n > cfg.seed_steps:
                    for _ in range(cfg.updates_per_step):
                        info = self.agent.update(self.buffer.sample(self.agent.cfg.batch_size))
                if info and n % 100 == 0:
                    sps = (n - steps_at_start) / max(time.perf_counter() - t_start, 1e-9)
                    self._log(n, "train", {**info, **self._trust_values(), "steps_per_s": sps})
                if cfg.eval_every and n % cfg.eval_every == 0:
                    last_eval = self.evaluate()
                    c["evals"] += 1
                    self._log(n, "eval", {**last_eval, **self._trust_values()})
                if cfg.ckpt_every and n % cfg.ckpt_every == 0:
                    self.checkpoint()
                if progress is not None:
                    progress(n, {"episode_return": ep_ret, **last_eval})
            self.buffer.end_episode()
            if done and self.agent.updates > 0:
                self._observe_returns(values, rewards, bool(term))
            self._log(c["env_steps"], "episode", {"return": ep_ret, "length": float(t), **self._trust_values()})
        if not (cfg.eval_every and c["env_steps"] % cfg.eval_every == 0):
            last_eval = self.evaluate()
            self._log(c["env_steps"], "eval", last_eval)
        self.checkpoint()
        for lg in self.loggers:
            lg.close()
        return {**c, **{f"eval_{k}": v for k, v in last_eval.items()}}


def returns_to_go(rewards: Sequence[float], gamma: float, terminated: bool) -> np.ndarray:
    """Discounted return from each step of an episode, for the steps where it is known.

    After a termination every step's return is known. After a truncation the rewards that would
    have followed are unknown, so only the steps whose return they would change by less than 5 %
    of a reward stream's weight (``gamma ** k < 0.05`` steps before the end) are returned.

    Returns:
        ``G_t`` for the first steps of the episode (all of them when ``terminated``).
    """
    g = np.zeros(len(rewards))
    acc = 0.0
    for i in range(len(rewards) - 1, -1, -1):
        acc = rewards[i] + gamma * acc
        g[i] = acc
    if terminated:
        return g
    tail = len(rewards) if gamma >= 1 else int(np.ceil(np.log(0.05) / np.log(gamma)))
    return g[: max(len(rewards) - tail, 0)]


def guide_agent(experts: Sequence[str], env: Any) -> Any:
    """The experts blended uniformly into a_ref, as an :class:`~mwx_sdk.agent.Agent` composed the
    way every entry point composes one (the env's task options for the experts beneath), with
    the ``direct`` planner: its action is the clipped a_ref."""
    from ..agent import AgentConfig, compose

    return compose(
        experts=list(experts), router="uniform", planner="direct", vlm="lexical", env=env,
        # the experts guide the whole episode: a change of sub-goal would reset them
        config=AgentConfig(min_subgoal_steps=2**31, subgoal_timeout_steps=0, keep_history=False),
    )


class LearnerActor:
    """The TD-MPC2 learner acting around the guide's a_ref, as an agent of the one episode loop.

    Args:
        learner: a :class:`~mwx_sdk.learn.tdmpc2.TDMPC2Agent`.
        guide: the experts' agent (:func:`guide_agent`), stepped every control step, or ``None``.
        guided: pass the guide's action to the learner as a_ref (else the guide only keeps the
            experts' phase for the imitation reward).
        eval_mode: act with the plan's mean (no exploration noise).
    """

    def __init__(self, learner: Any, guide: Any = None, guided: bool = True, eval_mode: bool = False) -> None:
        self.learner, self.guide, self.guided, self.eval_mode = learner, guide, guided and guide is not None, eval_mode
        self.t = 0

    def reset(self, instruction: str, env: Any, seed: int | None = None) -> Any:
        plan = self.guide.reset(instruction, env, seed=seed) if self.guide is not None else None
        self.learner.reset()
        self.t = 0
        return plan

    def reference(self, obs: np.ndarray) -> np.ndarray | None:
        """Step the guide; its action is a_ref when guided (else ``None``)."""
        if self.guide is None:
            return None
        a_ref = self.guide.act(obs)
        return a_ref if self.guided else None

    def act(self, obs: np.ndarray) -> np.ndarray:
        a = self.learner.act(obs, self.reference(obs), t0=self.t == 0, eval_mode=self.eval_mode)
        self.t += 1
        return a


@contextlib.contextmanager
def _warm_start_kept(learner: Any) -> Iterator[None]:
    """Put the learner's warm-start plan back after the block (an evaluation in the middle of a
    training episode must not hand that episode another episode's plan)."""
    kept = learner._prev_mean.clone()
    try:
        yield
    finally:
        learner._prev_mean.copy_(kept)


def _agent_options(agent: dict[str, Any], config_cls: type) -> dict[str, Any]:
    """``agent`` checked against the TD-MPC2 config's fields."""
    from dataclasses import fields

    known = {f.name for f in fields(config_cls)} - set(_AGENT_FROM_TRAIN)
    bad = sorted(set(agent) - known)
    if bad:
        own = sorted(set(bad) & set(_AGENT_FROM_TRAIN))
        hint = f" ({', '.join(own)} follow from the env and the trainer's own options)" if own else ""
        raise ValueError(f"unknown agent option(s) {bad} for --set{hint}; known: {', '.join(sorted(known))}")
    return dict(agent)


class TensorBoardLogger:
    """Scalars to TensorBoard event files (needs the ``tensorboard`` package)."""

    def __init__(self, logdir: str | os.PathLike) -> None:
        from torch.utils.tensorboard import SummaryWriter

        self.writer = SummaryWriter(str(logdir))

    def log(self, step: int, values: dict[str, float]) -> None:
        for k, v in values.items():
            self.writer.add_scalar(k, v, step)

    def close(self) -> None:
        self.writer.close()


class WandbLogger:
    """Scalars to Weights & Biases (needs ``wandb``; honours ``WANDB_MODE``)."""

    def __init__(self, project: str, config: dict, run_dir: str | os.PathLike) -> None:
        import wandb

        self.run = wandb.init(project=project, config=config, dir=str(run_dir))

    def log(self, step: int, values: dict[str, float]) -> None:
        self.run.log(values, step=step)

    def close(self) -> None:
        self.run.finish()
