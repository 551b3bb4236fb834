"""The four extension points of mwx and the small records that flow between them.

Data flow of one control step (MetaWorld):

    instruction --VLMBackend--> SemanticPlan (ordered SubGoals, each with weights w over experts)
    observation --Router------> fused weights  w~ = alpha*w + (1-alpha)*p(i|s)
    experts pi_i(s) ----------> reference action a_ref = sum_i w~_i * pi_i(s)
    a_ref --Planner-----------> action in [-1, 1]^nu

Observations and actions are numpy float arrays at these edges. Every class here is
deliberately small: a plugin author implements a handful of methods and nothing else.
This module imports only numpy and the standard library.
"""

from __future__ import annotations

import abc
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np

__all__ = [
    "ExpertSpec",
    "SubGoal",
    "SemanticPlan",
    "StepContext",
    "Target",
    "StepDiagnostics",
    "Expert",
    "Router",
    "Planner",
    "VLMBackend",
]


@dataclass(frozen=True)
class ExpertSpec:
    """What an expert is, in terms a VLM and a composer can read.

    Args:
        name: registry name, e.g. ``"walk"``.
        description: one paragraph written for a VLM: what the skill does and when to use it.
        robot: robot the expert drives, e.g. ``"h1"``.
        action_dim: size of the action it outputs (actions live in ``[-1, 1]``).
        obs_dim: size of the observation it expects, or ``None`` if it reads the physics
            state through ``StepContext.env`` and accepts any observation.
        tags: free keywords (``"locomotion"``, ``"manipulation"``) used by lexical scorers.
    """

    name: str
    description: str
    robot: str
    action_dim: int
    obs_dim: int | None = None
    tags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.name or not isinstance(self.name, str):
            raise ValueError("ExpertSpec.name must be a non-empty string")
        if int(self.action_dim) <= 0:
            raise ValueError(f"ExpertSpec.action_dim must be positive, got {self.action_dim}")
        if self.obs_dim is not None and int(self.obs_dim) <= 0:
            raise ValueError(f"ExpertSpec.obs_dim must be positive or None, got {self.obs_dim}")


@dataclass
class SubGoal:
    """One step of a semantic plan.

    Args:
        description: what should happen, in words (``"walk to the chair"``).
        weights: expert name -> weight; non-negative, summing to 1.
        predicate: completion condition chosen from the task's predicates
            (``"near(chair)"``, ``"seated"``), or ``None`` to run until re-planning.
        scores: the raw per-expert scores before the softmax, kept for diagnostics.
        target: the scene object the sub-goal acts on (``"chair"``, ``"box"``), one of the
            objects the task publishes, or ``None``; the agent resolves it at every step into
            :attr:`StepContext.target`.
        destination: where the target goes or where to (``"goal"``, ``"table"``), or ``None``.
        implied: a step the instruction leaves unsaid (the walk up to an object that "pick up
            the box" acts on); the agent passes over it when its predicate already holds as it
            starts.
    """

    description: str
    weights: dict[str, float]
    predicate: str | None = None
    scores: dict[str, float] = field(default_factory=dict)
    target: str | None = None
    destination: str | None = None
    implied: bool = False

    def __post_init__(self) -> None:
        if not self.weights:
            raise ValueError(f"sub-goal {self.description!r} has no expert weights")
        vals = np.array(list(self.weights.values()), dtype=float)
        if not np.all(np.isfinite(vals)) or np.any(vals < 0):
            raise ValueError(f"sub-goal {self.description!r} has invalid weights {self.weights}")
        total = float(vals.sum())
        if total <= 0:
            raise ValueError(f"sub-goal {self.description!r} weights sum to zero")
        self.weights = {k: float(v) / total for k, v in self.weights.items()}

    @property
    def lead(self) -> str:
        """Name of the expert with the largest weight."""
        return max(self.weights, key=self.weights.__getitem__)


@dataclass
class SemanticPlan:
    """Ordered sub-goals produced by a VLM backend for one instruction.

    Args:
        instruction: the instruction the plan answers.
        subgoals: ordered sub-goals; at least one.
        backend: name of the backend that produced it.
        raw: the backend's raw response (text), for debugging; never contains secrets.
    """

    instruction: str
    subgoals: list[SubGoal]
    backend: str = ""
    raw: str | None = None

    def __post_init__(self) -> None:
        if not self.subgoals:
            raise ValueError(f"plan for {self.instruction!r} has no sub-goals")

    def weight_vector(self, index: int, expert_names: Sequence[str]) -> np.ndarray:
        """Weights of sub-goal ``index`` as a vector ordered like ``expert_names``.

        Experts the sub-goal does not mention get weight 0; the vector is renormalised and
        falls back to uniform when no listed expert is mentioned.
        """
        sg = self.subgoals[min(index, len(self.subgoals) - 1)]
        w = np.array([sg.weights.get(n, 0.0) for n in expert_names], dtype=np.float64)
        s = w.sum()
        return w / s if s > 0 else np.full(len(expert_names), 1.0 / len(expert_names))


@dataclass(frozen=True)
class Target:
    """The active sub-goal's target resolved in the scene at this control step.

    Args:
        name: the object's name among the task's objects (``"box"``).
        position: its world position (3,), metres.
        orientation: its world orientation as a quaternion ``(w, x, y, z)``, or ``None`` for a
            point (a site, a goal the task draws).
        destination: the sub-goal's destination object, or ``None``.
        destination_position: the destination's world position (3,), or ``None``.
    """

    name: str
    position: np.ndarray
    orientation: np.ndarray | None = None
    destination: str | None = None
    destination_position: np.ndarray | None = None


@dataclass
class StepContext:
    """Everything a component may read about the current control step.

    Args:
        step: control step index within the episode (0 at reset).
        dt: control period in seconds (0.02 for the H1 tasks).
        instruction: the instruction being executed.
        subgoal_index: index of the active sub-goal in ``plan``.
        plan: the active semantic plan, if any.
        env: the unwrapped environment (gives access to ``model``/``data`` for experts and
            planners that read the physics state), or ``None`` when running without one.
        rng: a seeded generator owned by the agent; components draw randomness from it.
        extras: free-form values a component may publish for others (kept small).
        seed: the episode's seed, from which the agent seeds every component: a component
            with a generator of its own (the ``mppi`` sampler) seeds it from this at reset,
            unless the user gave it a seed explicitly. ``None`` outside an agent.
        a_ref_horizon: the fused prior actions for the coming control steps, shape (T, nu),
            row 0 = now; the agent fills it when its planner asks (``Planner.wants_prior_horizon``
            = T > 0), ``None`` otherwise.
        reference_qpos: the fused joint targets of the experts' motion priors now
            (``Expert.reference_qpos``), ``None`` when no expert has one or the planner ignores it.
        target: the active sub-goal's target and destination resolved in the scene now
            (:class:`Target`), ``None`` when the sub-goal names none. Object-directed experts
            (reach, push) aim at it; locomotion experts may steer toward it.

    The agent-planner contract is these typed fields; ``extras`` is for what components publish
    to one another beyond it (it also mirrors ``"a_ref_horizon"`` and ``"reference_qpos"`` for
    plugins written against 0.1, for one release).
    """

    step: int = 0
    dt: float = 0.02
    instruction: str = ""
    subgoal_index: int = 0
    plan: SemanticPlan | None = None
    env: Any = None
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(0))
    extras: dict[str, Any] = field(default_factory=dict)
    seed: int | None = None
    a_ref_horizon: np.ndarray | None = None
    reference_qpos: np.ndarray | None = None
    target: Target | None = None

    @property
    def subgoal(self) -> SubGoal | None:
        if self.plan is None:
            return None
        return self.plan.subgoals[min(self.subgoal_index, len(self.plan.subgoals) - 1)]


@dataclass
class StepDiagnostics:
    """What happened inside the agent during one control step.

    Arrays are ordered like the agent's expert list.
    """

    step: int
    subgoal_index: int
    semantic_weights: np.ndarray
    state_weights: np.ndarray
    fused_weights: np.ndarray
    a_ref: np.ndarray
    action: np.ndarray
    planner: dict[str, float] = field(default_factory=dict)
    subgoal: str = ""
    #: the weights ``a_ref`` was blended with: the fused weights of the experts kept in the
    #: blend (``AgentConfig.min_relative_weight``), renormalised; ``None`` where not recorded
    blend_weights: np.ndarray | None = None

    def as_dict(self, expert_names: Sequence[str] | None = None) -> dict[str, Any]:
        """Flatten to JSON-friendly values (lists and floats)."""
        out: dict[str, Any] = {
            "step": self.step,
            "subgoal_index": self.subgoal_index,
            "subgoal": self.subgoal,
            "semantic_weights": self.semantic_weights.tolist(),
            "state_weights": self.state_weights.tolist(),
            "fused_weights": self.fused_weights.tolist(),
            "a_ref": self.a_ref.tolist(),
            "action": self.action.tolist(),
            "planner": {k: float(v) for k, v in self.planner.items()},
        }
        if self.blend_weights is not None:
            out["blend_weights"] = self.blend_weights.tolist()
        if expert_names is not None:
            out["experts"] = list(expert_names)
        return out


class Expert(abc.ABC):
    """A skill policy: observation -> action in ``[-1, 1]^action_dim``.

    Subclasses set ``spec`` (class attribute or in ``__init__``) and implement ``act``.
    Constructor keyword arguments are the expert's configuration (``get_expert(name, **cfg)``).
    """

    spec: ExpertSpec

    def reset(self, ctx: StepContext) -> None:  # noqa: B027 - optional hook
        """Called at the start of an episode or when the agent switches sub-goal."""

    @abc.abstractmethod
    def act(self, obs: np.ndarray, ctx: StepContext) -> np.ndarray:
        """Return the expert's action for ``obs``.

        Args:
            obs: the environment observation.
            ctx: the step context (physics access through ``ctx.env``).

        Returns:
            Action array of shape ``(spec.action_dim,)`` with values in ``[-1, 1]``.
        """

    def embedding(self) -> np.ndarray | None:
        """The expert's feature psi_i for state-aware routing, or ``None``.

        Routers compare it with a state feature phi(s); the bundled motion-prior experts
        return the mean of their reference states in the router's feature space.
        """
        return None

    def reference_qpos(self, ctx: StepContext) -> np.ndarray | None:
        """The joint positions the expert's motion prior wants now, or ``None``.

        Planners use it for optional pose tracking; evaluators use it for naturalness.
        """
        return None

    def horizon(self, ctx: StepContext, steps: int) -> np.ndarray | None:
        """Optional: the expert's actions for the next ``steps`` control steps, shape
        ``(steps, action_dim)``, row 0 = now; ``None`` (the default) lets the agent compute them
        by calling :meth:`act` with the step index advanced (:func:`mwx_sdk.planning.prior_horizon`),
        between :meth:`save_state` and :meth:`load_state`."""
        return None

    def save_state(self) -> Any:
        """Optional: a copy of whatever :meth:`act` advances (a stage, a rate limiter's last
        output, a clip position), or ``None`` (the default) for an expert whose action depends on
        the step context alone.

        A look-ahead calls :meth:`act` for coming steps and then hands this back to
        :meth:`load_state`, so that only the real step moves the expert on. An expert that keeps
        such state and does not implement the pair moves ``steps`` times too fast under a planner
        that asks for the prior horizon (``mppi``).
        """
        return None

    def load_state(self, state: Any) -> None:  # noqa: B027 - optional hook
        """Optional: restore what :meth:`save_state` returned."""


class Router(abc.ABC):
    """Fuses semantic weights with state-aware selection into expert weights."""

    name: str = ""

    def reset(self, experts: Sequence[Expert], ctx: StepContext) -> None:  # noqa: B027
        """Called once per episode with the agent's experts, in order."""

    @abc.abstractmethod
    def weights(self, obs: np.ndarray, semantic_w: np.ndarray, ctx: StepContext) -> np.ndarray:
        """Return fused weights.

        Args:
            obs: the environment observation.
            semantic_w: semantic weights w from the active sub-goal, ordered like the experts.
            ctx: the step context.

        Returns:
            Non-negative weights summing to 1, ordered like the experts.
        """

    def state_weights(self) -> np.ndarray | None:
        """The last p(i|s) computed, for diagnostics (``None`` if the router has none)."""
        return None


class Planner(abc.ABC):
    """Turns the fused reference action a_ref into the action sent to the environment.

    Optional capability: ``wants_prior_horizon`` (an attribute or property, default 0) is the
    number of coming control steps of prior actions the planner reads from
    :attr:`StepContext.a_ref_horizon`; the agent computes them only when it is > 0.
    """

    name: str = ""
    wants_prior_horizon: int = 0

    def reset(self, env: Any, ctx: StepContext) -> None:  # noqa: B027
        """Called at episode start with the (unwrapped) environment to plan on."""

    @abc.abstractmethod
    def plan(self, obs: np.ndarray, a_ref: np.ndarray, ctx: StepContext) -> np.ndarray:
        """Return the action for this control step (values in ``[-1, 1]``)."""

    @classmethod
    def settings(cls, task: str | None, **options: Any) -> dict[str, Any]:
        """The settings an instance built with ``options`` uses on ``task``, defaults resolved.

        Planners whose defaults live in code (e.g. per task family) return them here, so that
        saved evaluation episodes are re-run when a default changes. The base returns ``options``.
        """
        return dict(options)

    def diagnostics(self) -> Mapping[str, float]:
        """Figures from the last ``plan`` call (e.g. ``best_cost``, ``ess``, ``ms``)."""
        return {}

    def close(self) -> None:  # noqa: B027
        """Release threads, processes or files the planner holds."""


def _warn_plan_called(backend: VLMBackend) -> None:
    warnings.warn(
        f"{type(backend).__qualname__}.plan is deprecated: call interpret instead "
        "(plan is removed in the next minor release)",
        DeprecationWarning,
        stacklevel=3,  # the caller of plan
    )


def _deprecated_plan(interpret: Callable[..., SemanticPlan]) -> Callable[..., SemanticPlan]:
    """``plan``, the pre-rename name of ``interpret``: warns, then runs ``interpret``.

    It calls the ``interpret`` of the class it is attached to rather than ``self.interpret``,
    so that ``super().plan(...)`` inside an old-style subclass reaches its parent's code instead
    of coming back to the subclass.
    """

    def plan(self: VLMBackend, *args: Any, **kwargs: Any) -> SemanticPlan:
        _warn_plan_called(self)
        return interpret(self, *args, **kwargs)

    plan.__doc__ = "Deprecated alias of :meth:`interpret` (removed in the next minor release)."
    return plan


class VLMBackend(abc.ABC):
    """Interprets an instruction (and optionally an image and a state summary) as a semantic plan.

    Optional capability: :meth:`supports_vision` (default ``False``) says whether the agent
    should render and send a camera image.

    Renamed method: :meth:`interpret` was called ``plan`` (``plan`` now names only
    :meth:`Planner.plan`). For one release the old name still works, and it is removed in the
    next minor release:

    - a subclass that defines ``plan`` and not ``interpret`` is used as is: its ``plan`` becomes
      its ``interpret``, and defining the class emits a ``DeprecationWarning`` that names it;
    - ``backend.plan(...)`` on any backend warns and returns ``backend.interpret(...)``.

    A subclass that defines neither method stays abstract and cannot be instantiated.
    """

    name: str = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = vars(cls)
        if "plan" in own and "interpret" not in own:
            # written against the old name: keep it working, and tell its author once
            warnings.warn(
                f"{cls.__module__}.{cls.__qualname__} defines VLMBackend.plan, which is renamed: "
                "rename the method to interpret (plan is removed in the next minor release)",
                DeprecationWarning,
                stacklevel=3,  # this frame, ABCMeta.__new__, then the class statement
            )
            cls.interpret = own["plan"]
            cls.plan = _deprecated_plan(own["plan"])
        elif "interpret" in own and "plan" not in own:
            cls.plan = _deprecated_plan(own["interpret"])

    def supports_vision(self) -> bool:
        """Whether the backend uses a camera image (the agent renders one only then)."""
        return False

    @abc.abstractmethod
    def interpret(
        self,
        instruction: str,
        experts: Sequence[ExpertSpec],
        *,
        image: np.ndarray | None = None,
        state: Mapping[str, Any] | None = None,
        predicates: Sequence[str] = (),
    ) -> SemanticPlan:
        """Return ordered sub-goals with weights over ``experts``.

        Args:
            instruction: what the user asked for, in natural language.
            experts: the experts available, with their descriptions.
            image: an RGB image ``(H, W, 3)`` uint8 of the scene, when the caller has one.
            state: a compact state summary (name -> value) for the prompt.
            predicates: completion predicates the task publishes (``"standing"``, ...).

        Returns:
            A ``SemanticPlan`` whose weights only name experts from ``experts``.
        """

    def plan(
        self,
        instruction: str,
        experts: Sequence[ExpertSpec],
        *,
        image: np.ndarray | None = None,
        state: Mapping[str, Any] | None = None,
        predicates: Sequence[str] = (),
    ) -> SemanticPlan:
        """Deprecated alias of :meth:`interpret` (removed in the next minor release)."""
        _warn_plan_called(self)
        return self.interpret(instruction, experts, image=image, state=state, predicates=predicates)
