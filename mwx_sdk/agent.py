"""The composed agent: plan -> router -> experts -> a_ref -> planner, with diagnostics.

One control step (MetaWorld):

1. the active sub-goal of the semantic plan gives semantic weights w (advancing to the next
   sub-goal when its completion predicate holds, re-planning every K steps or on request);
2. the router fuses them with state-aware selection: w~ = alpha w + (1 - alpha) p(i|s);
3. experts with non-zero weight act: a_ref = sum_i w~_i pi_i(s); their motion priors'
   joint targets are blended the same way into ``ctx.extras["reference_qpos"]``, and, when
   the planner asks for it (``planner.wants_prior_horizon`` = T > 0), their actions over the
   next T steps into ``ctx.extras["a_ref_horizon"]``;
4. the planner turns a_ref into the action.

Build one with :func:`compose` (names or instances) or :func:`mwx_sdk.config.compose_from_file`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .interfaces import (
    Expert,
    Planner,
    Router,
    SemanticPlan,
    StepContext,
    StepDiagnostics,
    Target,
    VLMBackend,
)
from .planning.prior import prior_horizon
from .semantic.prompt import state_summary_text
from .semantic.targets import UnknownObjectError

REFERENCE_QPOS_KEY = "reference_qpos"
#: ``ctx.extras`` key of the fused prior actions over the planner's horizon, shape (T, nu).
A_REF_HORIZON_KEY = "a_ref_horizon"


class CompositionError(ValueError):
    """The experts (or components) cannot be composed into one agent."""


class ExpertOutputError(ValueError):
    """An expert's action has the wrong shape or holds NaN / inf (the message names the expert)."""


@dataclass
class AgentConfig:
    """Configuration of the composition loop.

    Args:
        replan_every: re-plan every K control steps (0 = only at reset and on request).
        min_subgoal_steps: a sub-goal stays active at least this many steps before its
            predicate may advance the plan (so "stand still then walk" stands for a while).
        subgoal_timeout_steps: a sub-goal that is not the last one advances after this many
            steps even if its predicate never holds, or has none ("walk forward then sit"
            walks for this long); 0 = wait for the predicate forever.
        seed: seed of the generator handed to components through ``StepContext.rng``.
        use_image: give the VLM a rendered camera image when the env renders and the backend
            supports vision.
        weight_eps: experts whose fused weight is below this are not evaluated this step.
        min_relative_weight: experts whose fused weight is below this fraction of the largest
            are left out of the blend (and not evaluated) this step; the rest are renormalised.
            The semantic floor an instruction leaves every other expert (a few percent each)
            otherwise mixes a constant bias into the lead skill (results/default_composition_mesh
            has the falls it caused). An expert the state term makes a real contender (a
            standing pose at the start) still blends in. 0 blends every expert.
        semantic_shortlist: experts whose semantic weight for the active sub-goal is below this
            fraction of the lead expert's are left out of the blend, whatever the state term
            says; the state term chooses among the experts the instruction calls for. Without
            it, the nearest-reference state term hands a standing or carrying pose weight
            mid-stride whenever the pool holds one, and "walk forward" walks differently with
            {walk, stand} than with {walk} (results/default_composition_mesh). A sub-goal that
            names two skills keeps both. 0 lets every expert in (MetaWorld's fusion as written).
        keep_history: keep every step's diagnostics in ``agent.history``.
        reference_pose: blend the experts' ``reference_qpos`` into
            ``ctx.extras["reference_qpos"]``: ``"auto"`` does it unless the planner ignores it
            (``direct``, or a planner whose config has ``pose_weight = 0``).
    """

    replan_every: int = 0
    min_subgoal_steps: int = 25
    subgoal_timeout_steps: int = 150
    seed: int = 0
    use_image: bool = True
    weight_eps: float = 1e-6
    min_relative_weight: float = 0.2
    semantic_shortlist: float = 0.2
    keep_history: bool = True
    reference_pose: bool | str = "auto"

    def __post_init__(self) -> None:
        if int(self.replan_every) < 0:
            raise ValueError(f"replan_every must be >= 0 (0 = never), got {self.replan_every}")
        if int(self.min_subgoal_steps) < 0:
            raise ValueError(f"min_subgoal_steps must be >= 0, got {self.min_subgoal_steps}")
        if int(self.subgoal_timeout_steps) < 0:
            raise ValueError(f"subgoal_timeout_steps must be >= 0 (0 = never), got {self.subgoal_timeout_steps}")
        if not 0 <= float(self.weight_eps) < 1:
            raise ValueError(f"weight_eps must be in [0, 1), got {self.weight_eps}")
        if not 0 <= float(self.min_relative_weight) <= 1:
            raise ValueError(f"min_relative_weight must be in [0, 1], got {self.min_relative_weight}")
        if not 0 <= float(self.semantic_shortlist) <= 1:
            raise ValueError(f"semantic_shortlist must be in [0, 1], got {self.semantic_shortlist}")
        if self.reference_pose not in (True, False, "auto"):
            raise ValueError(f"reference_pose must be true, false or 'auto', got {self.reference_pose!r}")


def check_composition(experts: Sequence[Expert]) -> tuple[str, int]:
    """Check that ``experts`` can be blended: unique names, one robot, one action size.

    Returns:
        ``(robot, action_dim)``.

    Raises:
        CompositionError: naming the experts that disagree.
    """
    if not experts:
        raise CompositionError("compose needs at least one expert; run `mwx skills list` to see them")
    for e in experts:
        if not isinstance(e, Expert):
            raise CompositionError(f"{e!r} is not an mwx Expert (subclass mwx_sdk.Expert)")
    names = [e.spec.name for e in experts]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise CompositionError(
            f"expert names must be unique; {', '.join(repr(n) for n in dupes)} appears more than once: "
            "list each expert once"
        )
    robots = {e.spec.robot for e in experts}
    if len(robots) > 1:
        by = ", ".join(f"{e.spec.name}={e.spec.robot}" for e in experts)
        raise CompositionError(f"experts drive different robots ({by}); compose experts of one robot")
    dims = {int(e.spec.action_dim) for e in experts}
    if len(dims) > 1:
        by = ", ".join(f"{e.spec.name}={e.spec.action_dim}" for e in experts)
        raise CompositionError(f"experts have different action sizes ({by}); they cannot be blended")
    return robots.pop(), dims.pop()


class Agent:
    """Composes experts through a router and a planner under a semantic plan.

    Args:
        experts: expert instances (order defines the order of every weight vector).
        router: a router instance.
        planner: a planner instance.
        vlm: a VLM backend instance.
        config: loop configuration.
    """

    def __init__(
        self,
        experts: Sequence[Expert],
        router: Router,
        planner: Planner,
        vlm: VLMBackend,
        config: AgentConfig | None = None,
    ) -> None:
        self.robot, self.action_dim = check_composition(experts)
        for obj, base, what in ((router, Router, "router"), (planner, Planner, "planner"), (vlm, VLMBackend, "vlm")):
            if not isinstance(obj, base):
                raise CompositionError(f"{what} {obj!r} is not a {base.__name__}")
        self.experts = list(experts)
        self.expert_names = [e.spec.name for e in self.experts]
        self.specs = [e.spec for e in self.experts]
        self.router, self.planner, self.vlm = router, planner, vlm
        self.config = config or AgentConfig()
        self.env: Any = None
        self.ctx = StepContext()
        self.plan: SemanticPlan | None = None
        self.history: list[StepDiagnostics] = []
        self.diagnostics: StepDiagnostics | None = None
        self.plan_calls = 0  # plans requested from the backend (cache misses)
        self._plan_cache: dict[tuple, SemanticPlan] = {}
        self._predicates: dict[str, Any] = {}
        self._w_sem: list[np.ndarray] = []
        self._shortlist: list[np.ndarray] = []  # per sub-goal: experts the semantic layer calls for
        self._replan_requested = False
        self._subgoal_steps = 0
        k = len(self.experts)
        self._a_ref = np.zeros(self.action_dim)
        self._acts = np.zeros((k, self.action_dim))
        self._wvec = np.zeros(k)
        self._zeros_k = np.zeros(k)
        self._use_ref = self._wants_reference_pose()
        self._horizon_steps = 0

    def _wants_reference_pose(self) -> bool:
        mode = self.config.reference_pose
        if mode != "auto":
            return bool(mode)
        if getattr(self.planner, "name", "") == "direct":
            return False
        weight = getattr(getattr(self.planner, "config", None), "pose_weight", None)
        return weight is None or float(weight) > 0

    # -- episode ---------------------------------------------------------------------------
    def reset(self, instruction: str, env: Any = None, seed: int | None = None) -> SemanticPlan:
        """Start an episode: plan ``instruction`` and reset router, planner and experts.

        Args:
            instruction: what to do, e.g. "walk forward then sit on the chair".
            env: the environment (wrapped or not); its predicates and state summary feed the
                plan, and experts and planners read its physics through ``ctx.env``.
            seed: overrides ``config.seed`` for the components' generator.

        Returns:
            The semantic plan.
        """
        if not isinstance(instruction, str) or not instruction.strip():
            raise ValueError("instruction is empty; pass a sentence such as 'walk forward'")
        self.env = getattr(env, "unwrapped", env)
        if self.env is not None and getattr(self.env, "action_space", None) is not None:
            shape = getattr(self.env.action_space, "shape", None)
            if shape and int(np.prod(shape)) != self.action_dim:
                raise CompositionError(
                    f"experts output {self.action_dim} actions but the env expects {int(np.prod(shape))}; "
                    "compose experts for this env's robot"
                )
        rng_seed = self.config.seed if seed is None else seed
        dt = float(getattr(self.env, "dt", 0.02) or 0.02)
        self.ctx = StepContext(step=0, dt=dt, instruction=instruction, env=self.env,
                               rng=np.random.default_rng(rng_seed), seed=int(rng_seed))
        preds = getattr(self.env, "predicates", None)
        self._predicates = dict(preds()) if callable(preds) else {}
        self.history = []
        self.diagnostics = None
        self._subgoal_steps = 0
        self._replan_requested = False
        self._set_plan(self._make_plan(instruction), keep_index=False)
        self.ctx.target = self._resolve_target()
        for e in self.experts:
            e.reset(self.ctx)
        self.router.reset(self.experts, self.ctx)
        self.planner.reset(self.env, self.ctx)
        # read after the planner's reset: its horizon may follow the env's task
        self._horizon_steps = max(0, int(getattr(self.planner, "wants_prior_horizon", 0) or 0))
        return self.plan

    def reinterpret(self, instruction: str | None = None) -> None:
        """Have the VLM interpret the instruction again at the next step (optionally a new one)."""
        if instruction is not None:
            if not instruction.strip():
                raise ValueError("instruction is empty")
            self.ctx.instruction = instruction
        self._replan_requested = True

    def replan(self, instruction: str | None = None) -> None:
        """Deprecated alias of :meth:`reinterpret` (removed in the next minor release)."""
        warnings.warn(
            "Agent.replan is deprecated: call reinterpret instead "
            "(replan is removed in the next minor release)",
            DeprecationWarning,
            stacklevel=2,
        )
        self.reinterpret(instruction)

    @property
    def predicate_names(self) -> list[str]:
        """Completion predicates the current env publishes."""
        return list(self._predicates)

    def _make_plan(self, instruction: str) -> SemanticPlan:
        state = None
        summary = getattr(self.env, "state_summary", None)
        if callable(summary):
            state = summary()
        key = (
            instruction,
            tuple(self.expert_names),
            tuple(self._predicates),
            state_summary_text({k: v for k, v in (state or {}).items() if k != "true_predicates"}),
        )
        plan = self._plan_cache.get(key)
        if plan is not None:
            return plan
        image = self._image()
        plan = self.vlm.interpret(instruction, self.specs, image=image, state=state, predicates=tuple(self._predicates))
        self.plan_calls += 1
        self._plan_cache[key] = plan
        return plan

    def _image(self) -> np.ndarray | None:
        if not self.config.use_image or self.env is None:
            return None
        wants = getattr(self.vlm, "supports_vision", None)
        if not callable(wants) or getattr(self.env, "render_mode", None) != "rgb_array":
            return None
        try:
            if not wants():
                return None
            return self.env.render()
        except Exception as exc:  # a missing GL context must not stop planning
            warnings.warn(f"could not render an image for the VLM ({exc}); planning without one", stacklevel=3)
            return None

    def _check_targets(self, plan: SemanticPlan) -> None:
        """Every target and destination the plan names is an object of the env's scene."""
        objects = getattr(self.env, "scene_objects", None)
        if objects is None or not callable(getattr(self.env, "object_pose", None)):
            return
        for k, sg in enumerate(plan.subgoals, 1):
            for role, name in (("target", sg.target), ("destination", sg.destination)):
                if name is not None and name not in objects:
                    task = getattr(self.env, "task", "this scene")
                    raise UnknownObjectError(
                        f"sub-goal {k} ({sg.description!r}) names the {role} {name!r}, which {task!r} does not have "
                        f"(its objects: {', '.join(objects) or 'none'}); name one of them in the instruction"
                    )

    def _resolve_target(self) -> Target | None:
        """The active sub-goal's target and destination in the scene now."""
        sg = self.plan.subgoals[self.ctx.subgoal_index]
        if sg.target is None or self.env is None or not callable(getattr(self.env, "object_pose", None)):
            return None
        pos, quat = self.env.object_pose(sg.target)
        dest = self.env.object_pose(sg.destination)[0] if sg.destination is not None else None
        return Target(name=sg.target, position=pos, orientation=quat, destination=sg.destination,
                      destination_position=dest)

    def _set_plan(self, plan: SemanticPlan, keep_index: bool) -> None:
        self._check_targets(plan)
        old = self.plan
        same = old is not None and [s.description for s in old.subgoals] == [s.description for s in plan.subgoals]
        self.plan = plan
        self.ctx.plan = plan
        self._w_sem = [plan.weight_vector(i, self.expert_names) for i in range(len(plan.subgoals))]
        share = float(self.config.semantic_shortlist)
        self._shortlist = [w >= share * float(w.max()) for w in self._w_sem]
        if not (keep_index and same):
            self.ctx.subgoal_index = 0
            self._subgoal_steps = 0
            self._pass_implied()

    def _pass_implied(self) -> None:
        """Move past implied steps (a walk up to an object) whose predicate already holds."""
        plan = self.plan
        while self.ctx.subgoal_index < len(plan.subgoals) - 1:
            sg = plan.subgoals[self.ctx.subgoal_index]
            fn = self._predicates.get(sg.predicate) if sg.implied and sg.predicate else None
            if fn is None or not fn():
                return
            self.ctx.subgoal_index += 1
            self._subgoal_steps = 0

    def _advance(self) -> None:
        plan = self.plan
        i = self.ctx.subgoal_index
        n = self._subgoal_steps
        if i >= len(plan.subgoals) - 1 or n < self.config.min_subgoal_steps:
            return
        pred = plan.subgoals[i].predicate
        fn = self._predicates.get(pred) if pred else None
        timeout = self.config.subgoal_timeout_steps
        if (fn is not None and fn()) or (timeout and n >= timeout):
            self.ctx.subgoal_index = i + 1
            self._subgoal_steps = 0
            self._pass_implied()
            self.ctx.target = self._resolve_target()
            for e in self.experts:
                e.reset(self.ctx)

    # -- control step ----------------------------------------------------------------------
    def act(self, obs: np.ndarray) -> np.ndarray:
        """One control step: the action for ``obs`` (diagnostics in ``agent.diagnostics``).

        Raises:
            ExpertOutputError: an evaluated expert returned an action that is not of shape
                ``(action_dim,)`` (numpy would broadcast a scalar over every joint) or holds
                NaN / inf; the message names the expert.
        """
        if self.plan is None:
            raise RuntimeError("call agent.reset(instruction, env) before agent.act(obs)")
        ctx = self.ctx
        cfg = self.config
        if self._replan_requested or (cfg.replan_every and ctx.step and ctx.step % cfg.replan_every == 0):
            self._replan_requested = False
            self._set_plan(self._make_plan(ctx.instruction), keep_index=True)
        self._advance()
        ctx.target = self._resolve_target()
        w_sem = self._w_sem[ctx.subgoal_index]
        fused = self.router.weights(obs, w_sem, ctx)
        acts, wvec, a_ref = self._acts, self._wvec, self._a_ref
        eps = cfg.weight_eps
        short = self._shortlist[ctx.subgoal_index]
        # weights are normalised before blending, so a lone expert's action passes bit for bit
        wvec[:] = np.where(short, fused, 0.0)
        floor = cfg.min_relative_weight * float(wvec.max())
        wvec[(wvec <= eps) | (wvec < floor)] = 0.0
        total = wvec.sum()
        if total > 0:
            wvec /= total
        use_ref = self._use_ref
        ref_sum = None
        ref_w = 0.0
        steps = self._horizon_steps
        hor_sum = None
        for i, wi in enumerate(wvec.tolist()):
            if wi == 0.0:
                continue
            e = self.experts[i]
            if steps:
                # before the real step: the look-ahead starts from the state the step starts from
                h = wi * prior_horizon(e, obs, ctx, steps)
                hor_sum = h if hor_sum is None else hor_sum + h
            out = e.act(obs, ctx)
            if type(out) is not np.ndarray:
                out = np.asarray(out, dtype=np.float64)
            # numpy would broadcast a scalar or a (1,) array over every joint: refuse instead
            if out.shape != acts.shape[1:] or (not math.isfinite(out.sum()) and not np.isfinite(out).all()):
                raise ExpertOutputError(self._bad_output(e, out))
            acts[i] = out
            if use_ref:
                r = e.reference_qpos(ctx)
                if r is not None:
                    ref_sum = wi * np.asarray(r, dtype=np.float64) if ref_sum is None else ref_sum + wi * r
                    ref_w += wi
        np.dot(wvec, acts, out=a_ref)
        # the typed contract; extras mirrors it for plugins written against 0.1
        if ref_sum is not None:
            ctx.reference_qpos = ctx.extras[REFERENCE_QPOS_KEY] = ref_sum / ref_w
        elif use_ref:
            ctx.reference_qpos = None
            ctx.extras.pop(REFERENCE_QPOS_KEY, None)
        if hor_sum is not None and total > 0:
            ctx.a_ref_horizon = ctx.extras[A_REF_HORIZON_KEY] = hor_sum
        else:
            ctx.a_ref_horizon = None
            ctx.extras.pop(A_REF_HORIZON_KEY, None)
        action = np.minimum(self.planner.plan(obs, a_ref, ctx), 1.0)
        np.maximum(action, -1.0, out=action)
        p = self.router.state_weights()
        self.diagnostics = StepDiagnostics(
            step=ctx.step,
            subgoal_index=ctx.subgoal_index,
            semantic_weights=w_sem,
            state_weights=self._zeros_k if p is None else p,
            fused_weights=fused,
            a_ref=a_ref.copy(),
            action=action,
            planner=dict(self.planner.diagnostics()),
            subgoal=self.plan.subgoals[ctx.subgoal_index].description,
            blend_weights=wvec.copy(),
        )
        if cfg.keep_history:
            self.history.append(self.diagnostics)
        ctx.step += 1
        self._subgoal_steps += 1
        return action

    def _bad_output(self, expert: Expert, out: np.ndarray) -> str:
        name, want = expert.spec.name, (self.action_dim,)
        if out.shape != want:
            what = "a scalar" if out.ndim == 0 else f"an action of shape {out.shape}"
            return (
                f"expert {name!r} returned {what}; expected shape {want} (its spec.action_dim). "
                "Fix the expert's act() to return one value per joint"
            )
        values = out.astype(np.float64)
        labels = self._joint_labels()
        detail = " and ".join(
            f"{kind} at joints {[labels[j] for j in np.flatnonzero(mask)]}"
            for kind, mask in (("NaN", np.isnan(values)), ("inf", np.isinf(values)))
            if mask.any()
        )
        return f"expert {name!r} returned {detail} at step {self.ctx.step}; fix the expert's act() output"

    def _joint_labels(self) -> list[str]:
        """Actuator names of the env when it has one per action, else action indices."""
        model = getattr(self.env, "model", None)
        if model is not None and getattr(model, "nu", None) == self.action_dim:
            try:
                import mujoco

                return [mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_ACTUATOR, j) or str(j) for j in range(model.nu)]
            except (ImportError, TypeError):
                pass
        return [str(j) for j in range(self.action_dim)]

    def weights_history(self) -> np.ndarray:
        """Fused weights of every step so far, shape ``(steps, experts)``."""
        if not self.history:
            return np.zeros((0, len(self.experts)))
        return np.stack([d.fused_weights for d in self.history])

    def close(self) -> None:
        """Release the planner's resources."""
        self.planner.close()


def _build(kind: str, spec: Any, base: type, cfg: Mapping[str, Any] | None) -> Any:
    from . import plugins

    if isinstance(spec, base):
        if cfg:
            raise CompositionError(f"{kind} was given as an instance; pass its options to its constructor, not {dict(cfg)}")
        return spec
    if isinstance(spec, str):
        return plugins.host().build(kind, spec, **dict(cfg or {}))
    raise CompositionError(f"{kind} must be a registered name or a {base.__name__} instance, got {spec!r}")


def task_defaults(
    env: Any = None, task: Any = None
) -> tuple[Any, tuple[str, ...] | None, dict[str, dict[str, Any]], str]:
    """What building an agent for ``env`` (or ``task``) starts from, beneath the user's settings.

    The one rule every entry point follows (``compose``, agent TOML files, ``mwx run``,
    ``mwx eval``, ``bench/``): where a task is known, its composition (experts, their per-task
    options, planner); otherwise every registered expert and :data:`mwx_sdk.task.DEFAULT_PLANNER`.

    Args:
        env: an environment (wrapped or not), or ``None``.
        task: a :class:`~mwx_sdk.task.Task`, a task name or id, or ``None`` (read from ``env``).

    Returns:
        ``(task or None, default experts or None, per-expert options, planner name)``.
    """
    from .task import DEFAULT_PLANNER, Task, get_task, task_for_env

    if task is not None and not isinstance(task, Task):
        task = get_task(task)
    if task is None and env is not None:
        task = task_for_env(env)
    comp = task.composition if task is not None else None
    if comp is None:
        return task, None, {}, DEFAULT_PLANNER
    return task, comp.experts, {k: dict(v) for k, v in comp.expert_options.items()}, comp.planner


def compose(
    experts: Sequence[str | Expert] | None = None,
    router: str | Router = "fusion",
    planner: str | Planner | None = None,
    vlm: str | VLMBackend = "embedding",
    *,
    env: Any = None,
    task: Any = None,
    robot: str | None = None,
    router_config: Mapping[str, Any] | None = None,
    planner_config: Mapping[str, Any] | None = None,
    vlm_config: Mapping[str, Any] | None = None,
    expert_config: Mapping[str, Mapping[str, Any]] | None = None,
    config: AgentConfig | Mapping[str, Any] | None = None,
) -> Agent:
    """Build an :class:`Agent` from registered names or instances.

    Given ``env`` (or ``task``), the task's defaults apply beneath everything passed here
    (:func:`task_defaults`): its experts when ``experts`` is ``None``, its per-task expert
    options under ``expert_config``, its router options under ``router_config`` (those the
    router takes), its planner when ``planner`` is ``None``; the ``mppi``
    planner also takes the task's objective and sampling defaults. Without a task,
    ``experts=None`` takes every registered expert and the planner is ``direct``.

    Args:
        experts: expert names or instances; ``None`` takes the task's experts, or every
            registered expert (for ``robot`` when given) where no task is known.
        router: router name (``"fusion"``, ``"semantic"``, ``"state"``, ``"uniform"``,
            ``"switch"``) or instance.
        planner: planner name (``"direct"``, ``"mppi"``, ...) or instance; ``None`` takes the
            task's planner, or ``direct`` where no task is known.
        vlm: VLM backend name (``"embedding"``, ``"litellm"``, ``"lexical"``) or instance.
        env: the environment the agent will act in; its task supplies the defaults.
        task: the task (a :class:`~mwx_sdk.task.Task`, name or id) when no env is at hand.
        robot: keep only experts for this robot when ``experts`` is ``None``.
        router_config: options of a router built by name.
        planner_config: options of a planner built by name.
        vlm_config: options of a backend built by name.
        expert_config: per-expert-name options for experts built by name (over the task's).
        config: :class:`AgentConfig` or a mapping of its fields.

    Returns:
        The agent (call ``reset(instruction, env)`` then ``act(obs)``).
    """
    from . import plugins

    _task, task_experts, task_options, task_planner = task_defaults(env, task)
    if task_options:
        merged = {k: dict(v) for k, v in task_options.items()}
        for name, opts in (expert_config or {}).items():
            merged[name] = {**merged.get(name, {}), **dict(opts)}
        expert_config = merged
    if experts is None and task_experts is not None:
        experts = list(task_experts)
    if planner is None:
        planner = task_planner
    comp = _task.composition if _task is not None else None
    if comp is not None and comp.router_options and isinstance(router, str):
        # the task's router settings, beneath the user's, for routers that take them
        accepted = plugins.component_options(plugins.host().entry("router", router).obj)
        own = {k: v for k, v in comp.router_options.items() if accepted is None or k in accepted}
        router_config = {**own, **dict(router_config or {})}

    if experts is None:
        entries = plugins.list_experts()
        built = [plugins.get_expert(e.name, **dict((expert_config or {}).get(e.name, {}))) for e in entries]
        if robot is not None:
            built = [e for e in built if e.spec.robot == robot]
        if not built:
            raise CompositionError(
                f"no experts registered{' for robot ' + repr(robot) if robot else ''}; install a skill plugin "
                "or pass experts=[...]"
            )
        experts_list: list[Expert] = built
    else:
        if isinstance(experts, (str, Expert)):
            raise CompositionError("experts must be a list, e.g. experts=['stand', 'walk']")
        named = [e for e in experts if isinstance(e, str)]
        twice = sorted({n for n in named if named.count(n) > 1})
        if twice:  # checked before building: each build may load a model
            raise CompositionError(
                f"expert {', '.join(repr(n) for n in twice)} is listed more than once; list each expert once"
            )
        experts_list = [
            _build("expert", e, Expert, None if isinstance(e, Expert) else (expert_config or {}).get(e))
            for e in experts
        ]
    if comp is not None and comp.agent_options and not isinstance(config, AgentConfig):
        config = {**dict(comp.agent_options), **dict(config or {})}
    if isinstance(config, Mapping):
        config = AgentConfig(**config)
    return Agent(
        experts_list,
        _build("router", router, Router, router_config),
        _build("planner", planner, Planner, planner_config),
        _build("vlm_backend", vlm, VLMBackend, vlm_config),
        config,
    )

