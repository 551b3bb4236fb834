"""The methods of the papers' tables that the SDK can express, as agent specifications.

MetaWorld Table 1/2 compare the full method with model-based RL baselines; Table 3 ablates
the VLM, dynamic (state-aware) selection and expert guidance; MetaWorld-X adds a learned
router (IRM). Each :class:`Method` turns a task into an :class:`~mwx_sdk.eval.spec.AgentSpec`,
or says why it cannot run (missing checkpoint or plugin), so a suite can skip it with a note.

Method            what it is                                             paper counterpart
``full``          experts + fusion router (alpha 0.7) + VLM + MPPI       "Ours"
``mppi``          MPPI seeded by a zero action, no expert guidance       planning without a prior
``direct``        experts + fusion router + VLM, a_ref sent as is        experts without a planner
``semantic``      router ``semantic`` (alpha = 1) + MPPI                 "w/o Dynamic Selection"
``state``         router ``state`` (alpha = 0), no VLM + MPPI            "w/o VLM"
``switch``        router ``switch`` (hard arg-max) + MPPI                discrete option selection
``irm``           learned router (MetaWorld-X IRM) + MPPI                "Ours (IRM)", needs a checkpoint
``tdmpc2``        TD-MPC2 latent MPPI guided by a_ref (lambda 0.05)      "Ours" with a world model, needs a checkpoint
``tdmpc2-noguide`` TD-MPC2 trained and planning with lambda = 0           "w/o Expert Guidance", needs a checkpoint
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..interfaces import Expert, ExpertSpec, StepContext
from .spec import AgentSpec

__all__ = [
    "METHODS",
    "SUITE_TASKS",
    "Method",
    "ZeroActionExpert",
    "checkpoint_for",
    "zero_prior_agent",
]

def _suite_tasks() -> tuple[str, ...]:
    from mwx_sdk.task import builtin_tasks

    return tuple(t.name for t in builtin_tasks() if t.in_suite)


#: The embedded suite (MetaWorld Table 1-3 and MetaWorld-X's manipulation tasks): the bundled
#: tasks marked ``in_suite``. Each task's instruction, experts, their options and the skill
#: whose prior judges naturalness come from its :class:`~mwx_sdk.task.Composition`.
SUITE_TASKS = _suite_tasks()


class ZeroActionExpert(Expert):
    """The "no prior" reference: always the zero action (every actuator at mid-range).

    Used by the ``mppi`` baseline so the sampling planner starts from no skill knowledge.

    Args:
        action_dim: actuators of the robot (19 for the H1).
        judge: optional skill name whose ``reference_qpos`` this expert reports, only so that
            evaluation can measure naturalness against the same human prior as the other
            methods; it never influences the action (the baseline runs with ``pose_weight=0``).
        judge_options: options the judge skill is built with (as the other methods build it).
    """

    def __init__(self, action_dim: int = 19, judge: str | None = None,
                 judge_options: Mapping[str, Any] | None = None) -> None:
        self.spec = ExpertSpec(
            name="zero",
            description="Outputs the zero action (all actuators mid-range); carries no motion prior.",
            robot="h1",
            action_dim=int(action_dim),
        )
        self._judge = None
        if judge:
            from mwx_sdk.plugins import get_expert

            self._judge = get_expert(judge, **dict(judge_options or {}))

    def reset(self, ctx: StepContext) -> None:
        if self._judge is not None:
            self._judge.reset(ctx)

    def act(self, obs: np.ndarray, ctx: StepContext) -> np.ndarray:
        return np.zeros(self.spec.action_dim)

    def reference_qpos(self, ctx: StepContext) -> np.ndarray | None:
        return None if self._judge is None else self._judge.reference_qpos(ctx)


def zero_prior_agent(seed: int = 0, planner: str = "mppi", planner_options: Mapping[str, Any] | None = None,
                     action_dim: int = 19, judge: str | None = None,
                     judge_options: Mapping[str, Any] | None = None) -> Any:
    """An agent whose planner gets no expert guidance: a_ref = 0 and no action penalty toward it.

    Args:
        seed: the agent's seed.
        planner: planner name (``mppi``).
        planner_options: planner configuration; ``action_weight`` and ``pose_weight`` are
            forced to 0 for ``mppi`` so nothing pulls the plan toward a prior.
        action_dim: actuators of the robot.
        judge: skill whose prior measures naturalness (see :class:`ZeroActionExpert`).
        judge_options: options of the judge skill.

    Returns:
        A composed agent.
    """
    from mwx_sdk.agent import compose

    opts = dict(planner_options or {})
    if planner == "mppi":
        opts.update(action_weight=0.0, pose_weight=0.0)
        opts.setdefault("seed", seed)
    zero = ZeroActionExpert(action_dim, judge=judge, judge_options=judge_options)
    return compose(experts=[zero], router="uniform", planner=planner, planner_config=opts,
                   vlm="lexical", config={"seed": seed, "keep_history": False})


def checkpoint_for(root: str | Path | None, kind: str, task: str) -> Path | None:
    """Find a checkpoint folder holding ``config.json``: ``<root>/<kind>/<task>``, its
    ``checkpoint/`` sub-folder (a trainer's output folder), or the same under ``<root>/<kind>``."""
    if not root:
        return None
    for base in (Path(root) / kind / task, Path(root) / kind):
        for cand in (base, base / "checkpoint"):
            if (cand / "config.json").is_file():
                return cand
    return None


@dataclass(frozen=True)
class Method:
    """One column of the suite's tables.

    Args:
        name: short name used in files and on the command line.
        label: column header.
        paper: which paper row/ablation it corresponds to.
        router: router name (``None`` for factory-built methods).
        planner: planner name.
        use_vlm: whether the agent gets a VLM backend.
        router_options: router configuration.
        planner_options: planner configuration (merged over the suite's planner options).
        needs: checkpoint kind required (``"irm"``, ``"tdmpc2"``, ``"tdmpc2-noguide"``) or ``None``.
        factory: agent factory ``module:function`` used instead of inline composition.
    """

    name: str
    label: str
    paper: str
    router: str | None = "fusion"
    planner: str = "mppi"
    use_vlm: bool = True
    router_options: Mapping[str, Any] = field(default_factory=dict)
    planner_options: Mapping[str, Any] = field(default_factory=dict)
    needs: str | None = None
    factory: str | None = None

    def agent_spec(self, task: str, *, experts: Sequence[str], vlm: str | None,
                   planner_options: Mapping[str, Any], checkpoints: str | Path | None) -> tuple[AgentSpec | None, str]:
        """The agent for ``task``, or ``(None, reason)`` when the method cannot run.

        Args:
            task: suite task name.
            experts: expert names for the task.
            vlm: VLM backend name for methods that use one.
            planner_options: suite-wide planner options (cheap settings for ``--quick``),
                applied to sampling planners under the method's own.
            checkpoints: root folder of trained checkpoints.

        Returns:
            ``(spec, "")`` or ``(None, reason)``.
        """
        popts = dict(planner_options) if self.planner == "mppi" else {}
        popts.update(self.planner_options)
        ropts = dict(self.router_options)
        if self.needs:
            ckpt = checkpoint_for(checkpoints, self.needs, task)
            if ckpt is None and self.needs == "irm":
                pass  # the irm router falls back to the checkpoint that ships with it
            elif ckpt is None:
                root = checkpoints if checkpoints else "--checkpoints DIR"
                return None, f"no {self.needs} checkpoint (looked for {root}/{self.needs}/<task>/config.json)"
            if self.needs == "irm":
                if ckpt is not None:
                    ropts["checkpoint"] = str(ckpt)
            else:
                popts["checkpoint"] = str(ckpt)
        from mwx_sdk.task import get_task

        composition = get_task(task).composition
        expert_opts = dict(composition.expert_options) if composition else {}
        if self.factory:
            judge = composition.lead_skill if composition else None
            return AgentSpec(factory=self.factory, label=self.name,
                             compose_options={"planner": self.planner, "planner_options": popts, "judge": judge,
                                              "judge_options": dict(expert_opts.get(judge or "", {}))}), ""
        compose_opts = {"expert_config": {k: dict(v) for k, v in expert_opts.items()}} if expert_opts else {}
        return AgentSpec(experts=tuple(experts), router=self.router, planner=self.planner,
                         vlm=vlm if self.use_vlm else None, router_options=ropts, planner_options=popts,
                         compose_options=compose_opts, label=self.name), ""


METHODS: dict[str, Method] = {m.name: m for m in (
    Method("full", "Ours (fusion+MPPI)", "MetaWorld full method (Tables 1-3 'Ours' / 'Full Method')"),
    Method("mppi", "MPPI w/o prior", "planning without expert guidance", router=None, use_vlm=False,
           factory="mwx_sdk.eval.methods:zero_prior_agent"),
    Method("direct", "Experts (direct)", "expert composition without a planner", planner="direct"),
    Method("semantic", "Semantic only (α=1)", "Table 3 'w/o Dynamic Selection'", router="semantic"),
    Method("state", "State only (α=0)", "Table 3 'w/o VLM'", router="state", use_vlm=False),
    Method("switch", "Switch (arg-max)", "discrete option selection baseline", router="switch"),
    Method("irm", "IRM (learned)", "MetaWorld-X intelligent routing", router="irm", needs="irm"),
    Method("tdmpc2", "TD-MPC2 + guidance", "Ours with the TD-MPC2 world model (lambda = 0.05)",
           planner="tdmpc2", needs="tdmpc2"),
    # The checkpoint's own config (guidance_lambda = 0, trained without guidance) makes it the ablation.
    Method("tdmpc2-noguide", "TD-MPC2 w/o guidance", "Table 3 'w/o Expert Guidance' (lambda = 0)",
           planner="tdmpc2", needs="tdmpc2-noguide"),
)}
