"""Example mwx task plugin: ``walk_backward``, the H1 walks backwards (-x) at 0.5 m/s or more.

The plugin registers one :class:`mwx_sdk.task.Task`. That single object gives the task

- its gymnasium id, ``example/h1-walk_backward-v0`` (``mwx_sdk.make_env``, ``mwx run --env``,
  ``mwx eval --env``);
- its default agent (:class:`~mwx_sdk.task.Composition`): instruction, experts, lead skill and
  planner;
- its ``mppi`` objective: the sampling and shaping defaults in ``planning`` and the task's own
  reward on the planner's batched rollout quantities (``planner_reward``).

This module is imported when mwx discovers its plugins (``mwx --help`` included), so it imports
only ``mwx_sdk.task`` (the standard library): numpy, gymnasium and mujoco are imported when an
env or a planner is built.
"""

from __future__ import annotations

from mwx_sdk import hookimpl
from mwx_sdk.task import Composition, Task

__all__ = ["TASK", "register_tasks"]


def _planner_reward():
    """The walk_backward reward bound to the ``mppi`` planner's rollout quantities."""
    from mwx_sdk.planning.rewards_adapter import TaskAdapter

    from .rewards import walk_backward_reward

    # each quantity is an (N, H) or (N, H, dim) batch: N sampled sequences over H control steps
    return TaskAdapter(
        "walk_backward",
        lambda q, consts: {"head_height": q["head_height"], "torso_upright": q["torso_upright"],
                           "com_vel": q["com_vel"], "actuator_force": q["actuator_force"]},
        walk_backward_reward,
    )


TASK = Task(
    name="walk_backward",
    # imported only when an env is made, so discovery stays free of gymnasium and mujoco
    env="mwx_task_example.env:WalkBackwardEnv",
    description="walk backward (-x) at 0.5 m/s or more, facing forward",
    max_episode_steps=1000,
    success_bar=700.0,
    namespace="example",  # the id is example/h1-walk_backward-v0, clear of mwx/... and HumanoidBench's
    composition=Composition(
        instruction="walk backward",
        experts=("stand", "walk"),
        # no bundled skill steps backwards: the standing prior keeps the posture natural and
        # the planner finds the backward steps
        lead_skill="stand",
    ),
    # The walk task's objective aimed at -x: the speed term pulls vx to a target a little past
    # the 0.5 m/s the reward saturates at, the heading term keeps the torso facing +x (so the
    # robot backs up instead of turning round), and the capture point is taken relative to the
    # commanded velocity so that it balances the motion instead of braking it.
    planning={"num_samples": 32, "horizon": 25, "num_knots": 4, "speed_weight": 5.0, "target_speed": -0.7,
              "lateral_weight": 1.0, "heading_weight": 2.0, "head_weight": 40.0, "capture_relative": True},
    planner_reward=_planner_reward,
)


@hookimpl
def register_tasks(register):
    """Register walk_backward (it brings its id, its composition and its mppi objective)."""
    register(TASK)
