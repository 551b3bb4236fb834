"""Binds a task's own reward function (``mwx_sdk.envs.rewards``) to the planner's quantities."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping

import numpy as np


def task_reward_fn(task: str | None) -> Callable[[Mapping[str, np.ndarray]], np.ndarray]:
    """The batched reward of ``task`` as ``f(quantities) -> (N, H)``.

    The reward function ``mwx_sdk.envs.rewards.<task>_reward`` is called with the planner
    quantities whose names match its parameters (``head_height``, ``torso_upright``,
    ``com_vel``, ``actuator_force`` ...); its ``(reward, terms)`` result is reduced to the reward.

    Args:
        task: task name, e.g. ``"stand"`` or ``"walk"``.

    Returns:
        The bound reward function.

    Raises:
        ValueError: the task is unknown, or its reward needs quantities the planner does not
            measure (pass ``reward_fn=`` to the planner for such tasks).
    """
    from mwx_sdk.envs import rewards

    if not task:
        raise ValueError("the mppi planner needs a task name to pick a reward; pass task='stand' (or 'walk', ...)")
    fn = getattr(rewards, f"{task}_reward", None)
    if fn is None:
        known = sorted(n[: -len("_reward")] for n in getattr(rewards, "__all__", dir(rewards))
                       if n.endswith("_reward"))
        raise ValueError(f"no reward function for task {task!r} in mwx_sdk.envs.rewards; known: {known}")
    params = [p for p in inspect.signature(fn).parameters.values()
              if p.default is inspect.Parameter.empty
              and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    names = [p.name for p in params]

    def reward(q: Mapping[str, np.ndarray]) -> np.ndarray:
        missing = [n for n in names if n not in q]
        if missing:
            raise ValueError(
                f"the {task} reward needs {missing}, which the mppi planner does not measure; "
                "pass reward_fn=<callable on the planner quantities> to plan this task"
            )
        out = fn(**{n: q[n] for n in names})
        return np.asarray(out[0] if isinstance(out, tuple) else out, dtype=np.float64)

    reward.__name__ = f"{task}_reward"
    return reward
