"""A minimal H1 stepping loop on the HumanoidBench reference MJCF (HumanoidBench step rules)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

REF_ENVS = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference" / "humanoid_bench" / "assets" / "envs"


class RefH1Env:
    """Reference H1 task: affine action map, 10 physics steps per action, keyframe + 0.01 noise reset.

    Args:
        task: ``"stand"`` or ``"walk"``.
        seed: seed of the reset noise.
    """

    frame_skip = 10

    def __init__(self, task: str = "stand", seed: int = 0) -> None:
        import mujoco

        from mwx_sdk.envs import rewards

        self.task = task
        self.model_path = (REF_ENVS / f"h1_pos_{task}.xml").resolve()
        self.model = mujoco.MjModel.from_xml_path(str(self.model_path))
        self.data = mujoco.MjData(self.model)
        self._mj, self._rewards = mujoco, rewards
        self._rng = np.random.default_rng(seed)
        self._head = self.model.site("head").id
        self._torso = self.model.body("torso_link").id
        s = self.model.sensor("pelvis_subtreelinvel")
        self._vel = slice(int(s.adr[0]), int(s.adr[0]) + 3)
        lo, hi = self.model.actuator_ctrlrange.T
        self._lo, self._hi = lo, hi

    @property
    def unwrapped(self):
        return self

    def reset(self):
        mj = self._mj
        mj.mj_resetDataKeyframe(self.model, self.data, 0)
        mj.mj_forward(self.model, self.data)
        self.data.qpos[:] += self._rng.uniform(-0.01, 0.01, self.model.nq)
        mj.mj_forward(self.model, self.data)
        return np.concatenate([self.data.qpos, self.data.qvel])

    def quantities(self) -> dict:
        d = self.data
        return {
            "head_height": float(d.site_xpos[self._head, 2]),
            "torso_upright": float(d.xmat[self._torso, 8]),
            "com_vel": d.sensordata[self._vel].copy(),
            "actuator_force": d.actuator_force.copy(),
        }

    def step(self, action):
        mj = self._mj
        a = np.asarray(action, dtype=np.float64)
        self.data.ctrl[:] = self._lo + (a + 1.0) * 0.5 * (self._hi - self._lo)
        mj.mj_step(self.model, self.data, nstep=self.frame_skip)
        mj.mj_rnePostConstraint(self.model, self.data)
        q = self.quantities()
        fn = self._rewards.stand_reward if self.task == "stand" else self._rewards.walk_reward
        r, _ = fn(q["head_height"], q["torso_upright"], q["com_vel"], q["actuator_force"])
        done = bool(self.data.qpos[2] < 0.2)
        return np.concatenate([self.data.qpos, self.data.qvel]), float(r), done, False, {}
