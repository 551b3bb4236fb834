"""Episodic replay buffer with preallocated arrays, sampling sub-trajectories of ``horizon + 1``
observations that never cross an episode boundary.

Layout: one row per visited observation. A row holds the observation and, unless it is the
last row of its episode, the action taken from it with the resulting reward, termination flag,
the experts' reference action (when known) and the imitation reward. The buffer is a ring:
old rows are overwritten once ``capacity`` is reached.
"""

from __future__ import annotations

from typing import Any

import numpy as np

FORMAT_VERSION = 1
_ARRAYS = ("obs", "action", "reward", "terminated", "a_ref", "ref_mask", "imitation", "episode", "valid")


class ReplayBuffer:
    """Preallocated episodic ring buffer.

    Args:
        obs_dim: observation size.
        action_dim: action size.
        capacity: rows kept (one per observation, so steps + episodes).
        horizon: sub-trajectory length in actions (``horizon + 1`` observations).
        seed: seed of the sampling generator.
    """

    def __init__(self, obs_dim: int, action_dim: int, capacity: int, horizon: int, seed: int = 0) -> None:
        if capacity <= horizon + 1:
            raise ValueError(f"capacity {capacity} must exceed horizon + 1 = {horizon + 1}")
        self.obs_dim, self.action_dim, self.capacity, self.horizon = obs_dim, action_dim, capacity, horizon
        self.obs = np.zeros((capacity, obs_dim), np.float32)
        self.action = np.zeros((capacity, action_dim), np.float32)
        self.reward = np.zeros((capacity, 1), np.float32)
        self.terminated = np.zeros((capacity, 1), np.float32)
        self.a_ref = np.zeros((capacity, action_dim), np.float32)
        self.ref_mask = np.zeros((capacity, 1), np.float32)
        self.imitation = np.zeros((capacity, 1), np.float32)
        self.episode = np.full(capacity, -1, np.int64)
        # valid[i]: rows i .. i+horizon are one episode, so a sub-trajectory may start at i
        self.valid = np.zeros(capacity, bool)
        self.ptr = 0  # next row to write
        self.size = 0
        self.episodes = 0  # episodes started
        self.total_rows = 0
        self._open = False
        self.rng = np.random.default_rng(seed)

    # -- writing -----------------------------------------------------------------------------
    def start_episode(self, obs: np.ndarray) -> None:
        """Begin an episode at observation ``obs`` (closes any open one)."""
        self._open = True
        self.episodes += 1
        self._write_obs(obs)

    def add(
        self,
        action: np.ndarray,
        reward: float,
        next_obs: np.ndarray,
        terminated: bool,
        a_ref: np.ndarray | None = None,
        imitation: float = 0.0,
    ) -> None:
        """Record the transition from the current last observation.

        Args:
            action: action taken.
            reward: environment reward.
            next_obs: resulting observation.
            terminated: whether the episode terminated (not truncated) at ``next_obs``.
            a_ref: the experts' reference action at the previous observation, if any.
            imitation: imitation reward of the transition.
        """
        if not self._open:
            raise RuntimeError("call start_episode(obs) before add(...)")
        row = (self.ptr - 1) % self.capacity
        self.action[row] = action
        self.reward[row] = reward
        self.terminated[row] = float(terminated)
        if a_ref is not None:
            self.a_ref[row] = a_ref
            self.ref_mask[row] = 1.0
        else:
            self.ref_mask[row] = 0.0
        self.imitation[row] = imitation
        self._write_obs(next_obs)

    def end_episode(self) -> None:
        """Close the open episode (its last observation has no action)."""
        self._open = False

    def _write_obs(self, obs: np.ndarray) -> None:
        p, H, cap = self.ptr, self.horizon, self.capacity
        # sub-trajectories that contained the overwritten row are gone
        for k in range(H + 1):
            self.valid[(p - k) % cap] = False
        self.obs[p] = obs
        self.action[p] = 0.0
        self.reward[p] = 0.0
        self.terminated[p] = 0.0
        self.ref_mask[p] = 0.0
        self.imitation[p] = 0.0
        self.episode[p] = self.episodes
        start = (p - H) % cap
        # episode ids only grow, so equal ids at both ends mean one unbroken stretch
        if self.total_rows >= H and self.episode[start] == self.episodes:
            self.valid[start] = True
        self.ptr = (p + 1) % cap
        self.size = min(self.size + 1, cap)
        self.total_rows += 1

    # -- reading -----------------------------------------------------------------------------
    @property
    def num_valid(self) -> int:
        return int(self.valid.sum())

    def sample(self, batch_size: int) -> dict[str, np.ndarray]:
        """Sample ``batch_size`` sub-trajectories, time first.

        Returns:
            ``obs (H+1, B, obs_dim)``, ``action``/``a_ref (H, B, A)``, ``reward``,
            ``terminated``, ``ref_mask``, ``imitation`` ``(H, B, 1)``.
        """
        if self.num_valid == 0:
            raise RuntimeError(
                f"replay buffer holds no sub-trajectory of {self.horizon + 1} observations yet; "
                "collect more steps before updating"
            )
        starts = np.empty(0, np.int64)
        while starts.size < batch_size:
            cand = self.rng.integers(0, self.size, size=2 * batch_size)
            starts = np.concatenate([starts, cand[self.valid[cand]]])
        starts = starts[:batch_size]
        idx = (starts[None, :] + np.arange(self.horizon + 1)[:, None]) % self.capacity
        a_idx = idx[:-1]
        return {
            "obs": self.obs[idx],
            "action": self.action[a_idx],
            "reward": self.reward[a_idx],
            "terminated": self.terminated[a_idx],
            "a_ref": self.a_ref[a_idx],
            "ref_mask": self.ref_mask[a_idx],
            "imitation": self.imitation[a_idx],
        }

    # -- persistence -------------------------------------------------------------------------
    def state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Arrays (the filled part) and JSON metadata, for checkpoints."""
        arrays = {k: getattr(self, k)[: self.size] for k in _ARRAYS}
        meta = {
            "format_version": FORMAT_VERSION,
            "obs_dim": self.obs_dim,
            "action_dim": self.action_dim,
            "capacity": self.capacity,
            "horizon": self.horizon,
            "ptr": self.ptr,
            "size": self.size,
            "episodes": self.episodes,
            "total_rows": self.total_rows,
            "open": self._open,
            "rng": self.rng.bit_generator.state,
        }
        return arrays, meta

    @classmethod
    def from_state(cls, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> ReplayBuffer:
        """Rebuild a buffer from :meth:`state` output."""
        if meta.get("format_version") != FORMAT_VERSION:
            raise ValueError(
                f"replay buffer format version {meta.get('format_version')} is not supported "
                f"(this mwx reads version {FORMAT_VERSION})"
            )
        buf = cls(meta["obs_dim"], meta["action_dim"], meta["capacity"], meta["horizon"])
        size = meta["size"]
        for k in _ARRAYS:
            a = np.asarray(arrays[k])
            target = getattr(buf, k)
            if a.shape[1:] != target.shape[1:] or a.shape[0] != size:
                raise ValueError(
                    f"replay array {k!r} has shape {a.shape}, expected ({size}, *{target.shape[1:]})"
                )
            target[:size] = a
        buf.ptr, buf.size, buf.episodes = meta["ptr"], size, meta["episodes"]
        buf.total_rows, buf._open = meta["total_rows"], meta["open"]
        buf.rng.bit_generator.state = meta["rng"]
        return buf
