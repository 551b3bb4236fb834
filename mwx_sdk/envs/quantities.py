"""Named physical quantities of an H1 model, read from a bare ``(model, data)`` pair.

Element names follow HumanoidBench (sites ``head``, ``imu``, ``left_foot``, ``right_foot``,
``left_hand``, ``right_hand``; bodies ``pelvis``, ``torso_link``; sensor
``pelvis_subtreelinvel``), so the same code works on any H1 model that uses those names. Ids are
resolved once per model by :class:`H1Quantities`; every accessor is then a plain array read.

Like HumanoidBench, nothing here calls ``mj_forward``: right after ``mj_step`` the kinematic
fields (sites, bodies, sensors, actuator forces) describe the start of the last substep while
``qpos``/``qvel`` are post-integration. A planner that wants to score a state it wrote itself
should call ``mj_forward`` (or use :meth:`H1Quantities.batch_from_states`).

For many states at once, :meth:`H1Quantities.sensor` slices a named sensor out of a sensordata
array with any leading batch dimensions (as returned by ``mujoco.rollout``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

REQUIRED_SITES = ("head", "imu", "left_foot", "right_foot", "left_hand", "right_hand")
REQUIRED_BODIES = ("pelvis", "torso_link")
REQUIRED_SENSORS = ("pelvis_subtreelinvel",)

_CACHE: dict[int, H1Quantities] = {}
_CACHE_SIZE = 16  # the cache holds its models alive, so keep it small


def _id(model: Any, objtype: Any, name: str) -> int:
    import mujoco

    return mujoco.mj_name2id(model, objtype, name)


class H1Quantities:
    """Cached element ids and fast readers of the quantities HumanoidBench rewards use.

    Args:
        model: a ``mujoco.MjModel`` using HumanoidBench element names.

    Raises:
        ValueError: when a required site, body or sensor is missing (the message lists them).
    """

    def __init__(self, model: Any) -> None:
        import mujoco

        self.model = model
        missing = []
        self.site_ids: dict[str, int] = {}
        for n in REQUIRED_SITES:
            i = _id(model, mujoco.mjtObj.mjOBJ_SITE, n)
            (missing.append(f"site {n!r}") if i < 0 else self.site_ids.__setitem__(n, i))
        self.body_ids: dict[str, int] = {}
        for n in REQUIRED_BODIES:
            i = _id(model, mujoco.mjtObj.mjOBJ_BODY, n)
            (missing.append(f"body {n!r}") if i < 0 else self.body_ids.__setitem__(n, i))
        sid = _id(model, mujoco.mjtObj.mjOBJ_SENSOR, "pelvis_subtreelinvel")
        if sid < 0:
            missing.append("sensor 'pelvis_subtreelinvel' (subtreelinvel of body pelvis)")
        if missing:
            raise ValueError(
                "the MuJoCo model does not follow HumanoidBench H1 naming; missing "
                + ", ".join(missing)
                + ". Add these elements to your MJCF (see mwx_sdk/envs/h1_constants.py or the "
                "HumanoidBench robot XML for their definitions)."
            )
        self.head = self.site_ids["head"]
        self.imu = self.site_ids["imu"]
        self.left_foot = self.site_ids["left_foot"]
        self.right_foot = self.site_ids["right_foot"]
        self.left_hand = self.site_ids["left_hand"]
        self.right_hand = self.site_ids["right_hand"]
        self.pelvis = self.body_ids["pelvis"]
        self.torso = self.body_ids["torso_link"]
        self.com_vel_adr = int(model.sensor_adr[sid])
        # robot = every joint in the pelvis subtree; HumanoidBench puts the robot first in qpos
        robot_joints = [j for j in range(model.njnt) if model.body_rootid[model.jnt_bodyid[j]] == model.body_rootid[self.pelvis]]
        if not robot_joints:
            raise ValueError("the pelvis body has no joints; an H1 model needs a free root joint on pelvis")
        self.dof = int(max(model.jnt_qposadr[j] + _qpos_size(model.jnt_type[j]) for j in robot_joints))
        self.robot_nv = int(max(model.jnt_dofadr[j] + _dof_size(model.jnt_type[j]) for j in robot_joints))
        self.root_qposadr = int(model.jnt_qposadr[robot_joints[0]])
        self.nu = int(model.nu)

    @classmethod
    def of(cls, model: Any) -> H1Quantities:
        """The cached instance for ``model`` (one per live model object)."""
        q = _CACHE.get(id(model))
        if q is None or q.model is not model:
            q = cls(model)
            if len(_CACHE) >= _CACHE_SIZE:
                _CACHE.pop(next(iter(_CACHE)))
            _CACHE[id(model)] = q
        return q

    # -- scalar readers (one state) -------------------------------------------------------
    def head_height(self, data: Any) -> float:
        """z of site ``head``."""
        return float(data.site_xpos[self.head, 2])

    def torso_upright(self, data: Any) -> float:
        """``xmat(torso_link)[2, 2]``: z-component of the torso z-axis (1 when upright)."""
        return float(data.xmat[self.torso, 8])

    def pelvis_upright(self, data: Any) -> float:
        """``xmat(pelvis)[2, 2]``."""
        return float(data.xmat[self.pelvis, 8])

    def imu_pos(self, data: Any) -> np.ndarray:
        """World position of site ``imu`` (a view)."""
        return data.site_xpos[self.imu]

    def head_pos(self, data: Any) -> np.ndarray:
        """World position of site ``head`` (a view)."""
        return data.site_xpos[self.head]

    def left_hand_pos(self, data: Any) -> np.ndarray:
        """World position of site ``left_hand`` (a view)."""
        return data.site_xpos[self.left_hand]

    def right_hand_pos(self, data: Any) -> np.ndarray:
        """World position of site ``right_hand`` (a view)."""
        return data.site_xpos[self.right_hand]

    def feet_heights(self, data: Any) -> tuple[float, float]:
        """z of sites ``left_foot`` and ``right_foot``."""
        return float(data.site_xpos[self.left_foot, 2]), float(data.site_xpos[self.right_foot, 2])

    def com_velocity(self, data: Any) -> np.ndarray:
        """World-frame robot centre-of-mass velocity (sensor ``pelvis_subtreelinvel``; a view)."""
        a = self.com_vel_adr
        return data.sensordata[a : a + 3]

    def actuator_force(self, data: Any) -> np.ndarray:
        """All actuator forces (a view)."""
        return data.actuator_force

    def root_pos(self, data: Any) -> np.ndarray:
        """Root free-joint position ``q[0:3]`` (a view)."""
        a = self.root_qposadr
        return data.qpos[a : a + 3]

    def pelvis_quat(self, data: Any) -> np.ndarray:
        """``xquat(pelvis)`` (w, x, y, z; a view)."""
        return data.xquat[self.pelvis]

    def snapshot(self, data: Any) -> dict[str, np.ndarray]:
        """Copies of every named robot quantity of one state.

        Returns:
            dict with head_height, torso_upright, pelvis_upright, head_pos, imu_pos, left_hand,
            right_hand, left_foot_height, right_foot_height, com_vel, actuator_force, root_pos,
            pelvis_quat.
        """
        lf, rf = self.feet_heights(data)
        return {
            "head_height": np.float64(self.head_height(data)),
            "torso_upright": np.float64(self.torso_upright(data)),
            "pelvis_upright": np.float64(self.pelvis_upright(data)),
            "head_pos": self.head_pos(data).copy(),
            "imu_pos": self.imu_pos(data).copy(),
            "left_hand": self.left_hand_pos(data).copy(),
            "right_hand": self.right_hand_pos(data).copy(),
            "left_foot_height": np.float64(lf),
            "right_foot_height": np.float64(rf),
            "com_vel": self.com_velocity(data).copy(),
            "actuator_force": self.actuator_force(data).copy(),
            "root_pos": self.root_pos(data).copy(),
            "pelvis_quat": self.pelvis_quat(data).copy(),
        }

    # -- many states -------------------------------------------------------------------------
    def sensor(self, sensordata: Any, name: str) -> np.ndarray:
        """Slice the named sensor out of sensordata with any leading batch dimensions.

        Args:
            sensordata: ``(..., nsensordata)`` array, e.g. from ``mujoco.rollout``.
            name: sensor name in the model (e.g. ``pelvis_subtreelinvel``).

        Returns:
            ``(..., sensor_dim)`` view.
        """
        import mujoco

        sid = mujoco.mj_name2id(self.model, mujoco.mjtObj.mjOBJ_SENSOR, name)
        if sid < 0:
            raise KeyError(f"the model has no sensor named {name!r}")
        a, n = int(self.model.sensor_adr[sid]), int(self.model.sensor_dim[sid])
        return np.asarray(sensordata)[..., a : a + n]

    def batch_from_states(self, data: Any, qpos: Any, qvel: Any | None = None, ctrl: Any | None = None) -> dict[str, np.ndarray]:
        """Named quantities for many states: each state is written into ``data`` and forwarded.

        Args:
            data: a scratch ``MjData`` of this model (its state is overwritten).
            qpos: ``(..., nq)`` positions.
            qvel: ``(..., nv)`` velocities (zero if omitted).
            ctrl: ``(..., nu)`` controls (zero if omitted; they set actuator forces).

        Returns:
            dict of arrays with the leading shape of ``qpos`` (keys as :meth:`snapshot`).
        """
        import mujoco

        m = self.model
        qpos = np.asarray(qpos, dtype=np.float64)
        lead = qpos.shape[:-1]
        flat_q = qpos.reshape(-1, m.nq)
        flat_v = np.zeros((flat_q.shape[0], m.nv)) if qvel is None else np.asarray(qvel, np.float64).reshape(-1, m.nv)
        flat_c = None if ctrl is None else np.asarray(ctrl, np.float64).reshape(-1, m.nu)
        rows = []
        for i in range(flat_q.shape[0]):
            data.qpos[:] = flat_q[i]
            data.qvel[:] = flat_v[i]
            data.ctrl[:] = 0.0 if flat_c is None else flat_c[i]
            mujoco.mj_forward(m, data)
            rows.append(self.snapshot(data))
        return {k: np.stack([r[k] for r in rows]).reshape(lead + np.shape(rows[0][k])) for k in rows[0]}


def _qpos_size(jtype: int) -> int:
    return {0: 7, 1: 4, 2: 1, 3: 1}[int(jtype)]


def _dof_size(jtype: int) -> int:
    return {0: 6, 1: 3, 2: 1, 3: 1}[int(jtype)]
