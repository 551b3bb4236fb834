"""basketball: the H1 catches a ball thrown at it, then throws it through the hoop.

Predicates: ``holding(basketball)`` (both hands within 0.2 m), ``ball_thrown`` (throw stage).
Success bar 1200 over 500 steps.
"""

from __future__ import annotations

import numpy as np

from mwx_sdk.task import Composition, Task

from .. import rewards as R
from .. import scalar as S
from ..base import H1Env
from .manipulation import MANIPULATION_PLANNING, _dist


def _planner_reward():
    """The basketball reward on the planner's rollout quantities (hoop and stage read from the env)."""
    from ...planning.rewards_adapter import LEFT_HAND, RIGHT_HAND, TaskAdapter, site_position, stand_kwargs

    return TaskAdapter(
        "basketball",
        lambda q, c: {**stand_kwargs(q), "ball_pos": q["ball"], "hoop_pos": c["hoop"], "left_hand": q["left_hand"],
                      "right_hand": q["right_hand"], "throw_stage": c["throw_stage"]},
        R.basketball_reward,
        sensors=(LEFT_HAND, RIGHT_HAND),
        joints={"ball": "free_basketball"},
        constants=lambda env: {"hoop": site_position(env, "hoop_center"), "throw_stage": bool(env.throw_stage)},
    )


TASK = Task(
    name="basketball",
    env=f"{__name__}:BasketballEnv",
    description="catch the ball and throw it into the hoop",
    max_episode_steps=500,
    success_bar=1200.0,
    humanoid_bench="basketball",
    in_suite=True,
    objects={"basketball": ("body", "basketball"), "hoop": ("site", "hoop_center")},
    object_words={"basketball": ("ball",), "hoop": ("basket", "rim")},
    scene_dims=(33, 31),
    object_qpos0=(0.35, 0.9, 2.0, 1.0, 0.0, 0.0, 0.0),
    composition=Composition(instruction="catch the ball and throw it into the hoop",
                            experts=("stand", "reach", "carry"), lead_skill="reach"),
    planning=MANIPULATION_PLANNING,
    planner_reward=_planner_reward,
)


class BasketballEnv(H1Env):
    """Catch the ball thrown at the robot, then throw it through the hoop."""

    task_def = TASK

    terminate_height = 0.5
    own_success = True

    def _setup(self):
        import mujoco

        self._ball_q, self._ball_v = self._joint("free_basketball")
        self._hoop = self._site("hoop_center")
        a = self._ball_q
        self._rin = self._gather_index("head_z", "torso_zz", ("qpos", range(a, a + 3)),
                                       ("site_xpos", self._hoop, range(3)), "lhand", "rhand", "force")
        self._ball_geom = mujoco.mj_name2id(self.model, mujoco.mjtObj.mjOBJ_GEOM, "basketball_collision")
        if self._ball_geom < 0:
            raise ValueError(f"{self.model_path}: task 'basketball' needs a geom named 'basketball_collision'")
        self.throw_stage = False
        self._hoop_d = np.inf

    def _task_reset(self):
        import mujoco

        rng = self.np_random
        theta = rng.uniform(0.0, 1.0) * 1.45 * (1.0 if rng.uniform() < 0.5 else -1.0)
        z_lh = float(self.q.left_hand_pos(self.data)[2])  # after the noise forward pass
        a, v = self._ball_q, self._ball_v
        c, s = np.cos(theta), np.sin(theta)
        self.data.qpos[a : a + 3] = (1.5 * c, 1.5 * s, z_lh + 0.3924)
        self.data.qvel[v : v + 3] = (-7.5 * c, -7.5 * s, 0.0)
        mujoco.mj_forward(self.model, self.data)
        self.throw_stage = False
        self._hoop_d = np.inf

    def _ball_touched(self) -> bool:
        d = self.data
        n = d.ncon
        if n == 0:
            return False
        # a list membership test is several times cheaper than numpy calls on a few pairs
        return self._ball_geom in d.contact.geom.ravel().tolist()

    def _reward_info(self):
        # closed form of rewards.basketball_reward for one state (checked against it in the tests)
        throw = self.throw_stage
        if not throw and self._ball_touched():
            throw = self.throw_stage = True  # permanent, on the first contact of the ball with anything
        v = self._gather(self._rin).tolist()
        st = S.standing(v[0]) * S.upright(v[1], 0.9, 1.9)
        sc = S.small_control(v[14:])
        ball = v[2:5]
        dl, dr = S.dist(v[8:11], ball), S.dist(v[11:14], ball)
        d = S.dist(ball, v[5:8])
        stand_sc = st * sc
        prox = S.gauss_tol(max(dl, dr), 0.0, 0.2, 1.0)
        hoop = S.linear_tol(d, 0.0, 0.0, 7.0, S.LINEAR_01)
        if throw:
            r = 0.15 * stand_sc + 0.05 * prox + 0.8 * hoop
        else:
            r = 0.5 * stand_sc + 0.5 * prox
        success = d < 0.05
        r += 1000.0 * success
        self._hoop_d = d
        return r, {"per_timestep_reward": r, "reward_hand_proximity": prox, "reward_ball_success": hoop,
                   "stand_reward": st, "small_control": sc, "success_subtasks": int(throw), "success": success}

    def _terminated(self):
        # ball dropped, robot fell (the base rule), or ball in the hoop
        return self._qpos.item(self._ball_q + 2) < 0.5 or self.robot_down() or self._hoop_d < 0.05

    def _task_predicates(self):
        q, d, a = self.q, self.v, self._ball_q
        return {"holding(basketball)": lambda: max(_dist(q.left_hand_pos(d), d.qpos[a : a + 3]),
                                                   _dist(q.right_hand_pos(d), d.qpos[a : a + 3])) <= 0.2,
                "ball_thrown": lambda: self.throw_stage}
