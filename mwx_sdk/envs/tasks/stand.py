"""stand: the H1 stands still and upright.

Reward (HumanoidBench): ``SC * STAND * DONTMOVE``; success bar 800 over 1000 steps.
"""

from __future__ import annotations

from mwx_sdk.task import Composition, Task

from .. import scalar as S
from ..base import H1Env


def _planner_reward():
    """The stand reward on the planner's rollout quantities."""
    from ...planning.rewards_adapter import locomotion_adapter

    return locomotion_adapter("stand")


TASK = Task(
    name="stand",
    env=f"{__name__}:StandEnv",
    description="stand still and upright",
    max_episode_steps=1000,
    success_bar=800.0,
    humanoid_bench="stand",
    in_suite=True,
    scene_dims=(26, 25),
    composition=Composition(
        instruction="stand still and keep your balance",
        experts=("stand", "walk"),
        lead_skill="stand",
    ),
    # a short horizon of few samples holds a standing H1 (the MPPIConfig defaults). Standing
    # still keeps the capture point over the feet; once it is 6 cm off the robot has been
    # shoved, and the plan lets go of the standing pose so it can step (bench/push.py)
    planning={"num_samples": 16, "horizon": 15, "num_knots": 3, "recovery_capture": 0.06},
    planner_reward=_planner_reward,
)


class StandEnv(H1Env):
    """Stand still and upright: ``SC * STAND * DONTMOVE``."""

    task_def = TASK


    def _setup(self):
        self._rin = self._gather_index("head_z", "torso_zz", "com_vel", "force")

    def _reward_info(self):
        # closed form of rewards.stand_reward for one state (checked against it in the tests)
        hz, uz, vx, vy, _, *forces = self._gather(self._rin).tolist()
        s = S.standing(hz)
        u = S.upright(uz, 0.9, 1.9)
        st = s * u
        sc = S.small_control(forces)
        dm = S.dont_move(vx, vy)
        r = sc * st * dm
        return r, {"per_timestep_reward": r, "small_control": sc, "stand_reward": st, "dont_move": dm,
                   "standing": s, "upright": u}
