"""A small real environment for learner tests: a 2-D point mass pushed towards the origin."""

from __future__ import annotations

import gymnasium as gym
import numpy as np

TOY_ID = "mwx-test/PointMass-v0"


class PointMass(gym.Env):
    """State: position and velocity (4); action: force (2) in [-1, 1]; reward: -distance."""

    def __init__(self, horizon: int = 60, fall: float = 3.0) -> None:
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, (4,), np.float32)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (2,), np.float32)
        self.horizon, self.fall, self.dt = horizon, fall, 0.1
        self.s = np.zeros(4)
        self.t = 0

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.s = np.concatenate([self.np_random.uniform(-1, 1, 2), np.zeros(2)])
        self.t = 0
        return self.s.astype(np.float32), {}

    def step(self, action):
        a = np.clip(np.asarray(action, dtype=np.float64), -1, 1)
        self.s[2:] = 0.9 * self.s[2:] + self.dt * a
        self.s[:2] += self.dt * self.s[2:] * 5
        self.t += 1
        dist = float(np.linalg.norm(self.s[:2]))
        terminated = dist > self.fall
        return self.s.astype(np.float32), 1.0 - dist, terminated, self.t >= self.horizon, {}


def register() -> str:
    if TOY_ID not in gym.registry:
        gym.register(id=TOY_ID, entry_point=PointMass)
    return TOY_ID
