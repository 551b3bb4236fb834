"""Manipulation tasks: reach, door, push, package, basketball."""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from .. import rewards as R
from .. import scalar as S
from ..base import H1Env

DOOR_OPEN_ANGLE = 0.8  # rad; the open term q|q| reaches 0.64 here
HATCH_OPEN_ANGLE = 0.75  # rad; lower bound of the hatch tolerance
HOLD_DISTANCE = 0.35  # m; each hand within this of an object's centre to count as holding it
LIFT_HEIGHT = 0.15  # m above its resting height for a held object to count as lifted


def _dist(a, b) -> float:
    return float(R._dist(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)))


class ReachEnv(H1Env):
    """Bring the left hand to a random goal in [-2, 2]^2 x [0.2, 2]; never terminates."""

    task = "reach"
    success_bar = 12000.0
    terminate_height = None
    description = "reach a point with the left hand"

    def _setup(self):
        self.goal = np.zeros(3)
        self._robot_qvel = self.data.qvel[: self.q.robot_nv]
        self._rin = self._gather_index("lhand", "pelvis_zz")

    def _task_reset(self):
        self.goal = self.np_random.uniform((-2.0, -2.0, 0.2), (2.0, 2.0, 2.0))

    def _obs_layout(self):
        q = self.q
        self._goal_slot = q.dof + q.robot_nv + 3
        return (self._index("qpos", range(q.dof)) + self._index("qvel", range(q.robot_nv))
                + self._index("site_xpos", q.left_hand, range(3)) + [0, 0, 0])  # goal written after the gather

    def _get_obs(self):
        obs = self._gather(self._obs_index)
        g = self._goal_slot
        obs[g : g + 3] = self.goal
        return obs

    def _reward_info(self):
        # closed form of rewards.reach_reward for one state (checked against it in the tests)
        lx, ly, lz, pz = self._gather(self._rin).tolist()
        d = S.dist((lx, ly, lz), self.goal.tolist())
        qv = self._robot_qvel
        penalty = float(np.dot(qv, qv))
        close, succ = 5.0 * (d < 1.0), 10.0 * (d < 0.05)
        healthy = 5.0 * pz
        r = healthy - 1e-4 * penalty + close + succ
        return r, {"per_timestep_reward": r, "hand_dist": d, "healthy_reward": healthy, "motion_penalty": penalty,
                   "reward_close": close, "reward_success": succ}

    def _task_predicates(self):
        q, d = self.q, self.v
        return {"at_goal": lambda: _dist(q.left_hand_pos(d), self.goal) < 0.05,
                "near(goal)": lambda: _dist(q.left_hand_pos(d), self.goal) < 1.0}


class DoorEnv(H1Env):
    """Open the door (turn the hatch handle, swing the door) and walk through it."""

    task = "door"
    success_bar = 600.0
    terminate_height = 0.58
    description = "open the door and walk through"
    scene_objects: ClassVar[dict[str, tuple[str, str]]] = {"door": ("body", "door")}

    def _setup(self):
        self._door = self._joint("door_hinge")[0]
        self._hatch = self._joint("door_hatch_hinge")[0]
        self._hatch_body = self._body("door_hatch")
        self._rin = self._gather_index("head_z", "torso_zz", ("qpos", (self._door, self._hatch)),
                                       ("xpos", self._hatch_body, range(3)), "lhand", "rhand",
                                       ("site_xpos", self.q.imu, 0), "force")

    def _reward_info(self):
        # closed form of rewards.door_reward for one state (checked against it in the tests)
        v = self._gather(self._rin).tolist()
        st = S.standing(v[0]) * S.upright(v[1], 0.9, 0.9)
        sc = S.small_control(v[14:])
        q = v[2]
        hatch = S.linear_tol(v[3], 0.75, 2.0, 0.75, S.LINEAR_01)
        open_ = min(1.0, q * abs(q))
        hp = v[4:7]
        dist = min(S.dist(hp, v[7:10]), S.dist(hp, v[10:13]))
        prox = S.linear_tol(dist, 0.0, 0.25, 1.0, S.LINEAR_01)
        passage = S.linear_tol(v[13], 1.2, math.inf, 1.0, S.LINEAR_0)
        r = 0.1 * st * sc + 0.45 * open_ + 0.05 * hatch + 0.05 * prox + 0.35 * passage
        return r, {"per_timestep_reward": r, "stand_reward": st, "small_control": sc,
                   "door_openness_reward": open_, "door_hatch_openness_reward": hatch,
                   "hand_hatch_proximity_reward": prox, "passage_reward": passage}

    def _task_predicates(self):
        d = self.data
        return {"door_open": lambda: d.qpos[self._door] >= DOOR_OPEN_ANGLE,
                "hatch_open": lambda: d.qpos[self._hatch] >= HATCH_OPEN_ANGLE,
                "through_door": lambda: float(self.q.imu_pos(d)[0]) >= 1.2}


class PushEnv(H1Env):
    """Push the box on the table to a random goal; terminates with +1000 within 5 cm."""

    task = "push"
    max_episode_steps = 500
    success_bar = 700.0
    terminate_height = None
    own_success = True
    description = "push the box on the table to the goal"
    scene_objects: ClassVar[dict[str, tuple[str, str]]] = {"table": ("body", "table"), "object": ("body", "object")}

    def _setup(self):
        self._box_q, self._box_v = self._joint("free_object")
        self._rin = self._gather_index(("qpos", range(self._box_q, self._box_q + 3)), "lhand")
        self.goal = np.array([0.85, 0.0, 1.0])
        self._gd = np.inf

    def _task_reset(self):
        self.goal = np.array([self.np_random.uniform(0.7, 1.0), self.np_random.uniform(-0.5, 0.5), 1.0])
        self._gd = np.inf

    def _obs_layout(self):
        q, b, v = self.q, self._box_q, self._box_v
        self._goal_slot = q.dof + q.robot_nv + 3
        return (self._index("qpos", range(q.dof)) + self._index("qvel", range(q.robot_nv))
                + self._index("site_xpos", q.left_hand, range(3)) + [0, 0, 0]  # goal written after the gather
                + self._index("qpos", range(b, b + 3)) + self._index("qvel", range(v, v + 3)))

    def _get_obs(self):
        obs = self._gather(self._obs_index)
        g = self._goal_slot
        obs[g : g + 3] = self.goal
        return obs

    def _reward_info(self):
        # closed form of rewards.push_reward for one state (checked against it in the tests)
        v = self._gather(self._rin).tolist()
        box = v[:3]
        gd = S.dist(box, self.goal.tolist())
        hd = S.dist(v[3:], box)
        success = gd < 0.05
        r = -0.1 * hd - gd + 1000.0 * success
        self._gd = gd
        return r, {"per_timestep_reward": r, "target_dist": gd, "hand_dist": hd,
                   "reward_success": 1000.0 * success, "success": success}

    def _terminated(self):
        return self._gd < 0.05

    def _task_predicates(self):
        d, b = self.v, self._box_q
        return {"at_goal": lambda: _dist(d.qpos[b : b + 3], self.goal) < 0.05,
                "touching(object)": lambda: _dist(self.q.left_hand_pos(d), d.qpos[b : b + 3]) < 0.2}


class PackageEnv(H1Env):
    """Carry the package to a random destination; terminates with +1000 within 10 cm."""

    task = "package"
    success_bar = 1500.0
    terminate_height = None
    own_success = True
    description = "carry the package to the destination"
    scene_objects: ClassVar[dict[str, tuple[str, str]]] = {"package_a": ("body", "package_a"), "destination": ("site", "destination_loc")}

    def _setup(self):
        self._pkg_q, self._pkg_v = self._joint("free_package")
        self._dest_body = self.model.nbody - 1  # the destination is the last body
        if self._body("package_destination") != self._dest_body:
            raise ValueError(f"{self.model_path}: package_destination must be the last body of the model")
        self._dest = self._site("destination_loc")
        a = self._pkg_q
        self._rin = self._gather_index("head_z", "torso_zz", ("qpos", range(a, a + 3)),
                                       ("site_xpos", self._dest, range(3)), "lhand", "rhand", "force")
        self._dd = np.inf

    def _task_reset(self):
        rng, a = self.np_random, self._pkg_q
        self.data.qpos[a : a + 3] = (rng.uniform(-2, 2), rng.uniform(-2, 2), 0.35)
        self.model.body_pos[self._dest_body] = (rng.uniform(-2, 2), rng.uniform(-2, 2), 0.0)
        self._dd = np.inf

    def _obs_layout(self):
        q, a, v = self.q, self._pkg_q, self._pkg_v
        return (self._index("qpos", range(q.dof)) + self._index("qvel", range(q.robot_nv))
                + self._index("site_xpos", self._dest, range(3)) + self._index("qpos", range(a, a + 7))
                + self._index("qvel", range(v, v + 6)) + self._index("site_xpos", q.left_hand, range(3))
                + self._index("site_xpos", q.right_hand, range(3)))

    def _reward_info(self):
        # closed form of rewards.package_reward for one state (checked against it in the tests)
        v = self._gather(self._rin).tolist()
        st = S.standing(v[0]) * S.upright(v[1], 0.8, 1.9)
        sc = S.small_control(v[14:])
        pkg = v[2:5]
        dd = S.dist(pkg, v[5:8])
        dl = S.dist(v[8:11], pkg)
        dr = S.dist(v[11:14], pkg)
        success = dd < 0.1
        h = min(pkg[2], 1.0)
        r = st * sc - 3.0 * dd - 0.1 * (dl + dr) + h + 1000.0 * success
        self._dd = dd
        return r, {"per_timestep_reward": r, "stand_reward": st, "small_control": sc,
                   "dist_package_destination": dd, "dist_hand_package_right": dr,
                   "dist_hand_package_left": dl, "package_height": h, "success": success}

    def _terminated(self):
        return self._dd < 0.1

    def holding(self) -> bool:
        """Both hands within ``HOLD_DISTANCE`` of the package and the package lifted by ``LIFT_HEIGHT``."""
        q, d, a = self.q, self.v, self._pkg_q
        p = d.qpos[a : a + 3]
        return (_dist(q.left_hand_pos(d), p) < HOLD_DISTANCE and _dist(q.right_hand_pos(d), p) < HOLD_DISTANCE
                and p[2] > 0.35 + LIFT_HEIGHT)

    def _task_predicates(self):
        d, a = self.v, self._pkg_q
        return {"holding(package_a)": self.holding,
                "at_goal": lambda: _dist(d.qpos[a : a + 3], d.site_xpos[self._dest]) < 0.1}


class BasketballEnv(H1Env):
    """Catch the ball thrown at the robot, then throw it through the hoop."""

    task = "basketball"
    max_episode_steps = 500
    success_bar = 1200.0
    terminate_height = 0.5
    own_success = True
    description = "catch the ball and throw it into the hoop"
    scene_objects: ClassVar[dict[str, tuple[str, str]]] = {"basketball": ("body", "basketball"), "hoop": ("site", "hoop_center")}

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
        qpos, th = self._qpos, self.terminate_height
        # ball dropped, robot fell (the base rule), or ball in the hoop
        return (qpos.item(self._ball_q + 2) < 0.5 or (th is not None and qpos.item(self._root_z) < th)
                or self._hoop_d < 0.05)

    def _task_predicates(self):
        q, d, a = self.q, self.v, self._ball_q
        return {"holding(basketball)": lambda: max(_dist(q.left_hand_pos(d), d.qpos[a : a + 3]),
                                                   _dist(q.right_hand_pos(d), d.qpos[a : a + 3])) <= 0.2,
                "ball_thrown": lambda: self.throw_stage}
