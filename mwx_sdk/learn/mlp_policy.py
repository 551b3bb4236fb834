"""A small MLP policy stored as ``config.json`` + ``model.safetensors`` and run with numpy.

Used for neural experts: inputs are the normalised observation, optionally the policy's own
previous action (a distilled MPC teacher warm-starts each plan from the last one, so its action
depends on that history), plus, for periodic skills, ``sin``/``cos`` of the gait phase; the output is ``tanh`` of the last layer. Inference is plain
numpy (a few small matrix products), so one call costs tens of microseconds, with no torch.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

CONFIG_TYPE = "mlp_expert"


@dataclass
class MLPPolicyConfig:
    """Shape and input features of an MLP expert.

    Args:
        obs_dim: observation size.
        action_dim: action size.
        hidden: hidden widths (ReLU).
        phase_period: seconds of one cycle of the skill's phase features, or 0 for none.
        skill: name of the skill the policy was distilled from.
        env_id: environment it was trained on.
        prev_action: the previous action (zeros after a reset) is an input.
    """

    obs_dim: int
    action_dim: int
    hidden: tuple[int, ...] = (256, 256)
    phase_period: float = 0.0
    skill: str = ""
    env_id: str = ""
    extra: dict = field(default_factory=dict)
    prev_action: bool = False

    def __post_init__(self) -> None:
        self.hidden = tuple(int(h) for h in self.hidden)
        if self.obs_dim <= 0 or self.action_dim <= 0 or not self.hidden or min(self.hidden) <= 0:
            raise ValueError("obs_dim, action_dim and hidden widths must be positive")
        if self.phase_period < 0:
            raise ValueError("phase_period must be >= 0")

    @property
    def in_dim(self) -> int:
        return self.obs_dim + (self.action_dim if self.prev_action else 0) + (2 if self.phase_period > 0 else 0)


def policy_features(
    cfg: MLPPolicyConfig, obs: np.ndarray, t: float, prev: np.ndarray | None = None, out: np.ndarray | None = None
) -> np.ndarray:
    """The student's input vector: ``[obs, prev action (if cfg.prev_action), sin, cos of the
    phase (if cfg.phase_period)]``, written into ``out`` when given (else a new array).

    Args:
        cfg: the network shape.
        obs: observation ``(obs_dim,)``.
        t: seconds since reset.
        prev: previous action, ``None`` for zeros.
        out: preallocated ``(cfg.in_dim,)`` float32 buffer.

    Returns:
        The ``(cfg.in_dim,)`` input.
    """
    x = np.zeros(cfg.in_dim, np.float32) if out is None else out
    n = cfg.obs_dim
    x[:n] = obs
    if cfg.prev_action:
        x[n : n + cfg.action_dim] = 0.0 if prev is None else prev
    if cfg.phase_period > 0:
        ph = 2 * np.pi * t / cfg.phase_period
        x[-2], x[-1] = np.sin(ph), np.cos(ph)
    return x


class NumpyMLP:
    """Forward pass of a trained MLP policy in numpy.

    Args:
        cfg: the configuration.
        params: ``mean``, ``std`` (input normalisation) and ``w{i}``/``b{i}`` arrays with
            ``w{i}`` of shape ``(in, out)``.
    """

    def __init__(self, cfg: MLPPolicyConfig, params: dict[str, np.ndarray]) -> None:
        self.cfg = cfg
        dims = [cfg.in_dim, *cfg.hidden, cfg.action_dim]
        self.ws, self.bs = [], []
        for i, (a, b) in enumerate(zip(dims[:-1], dims[1:])):
            w, bb = np.asarray(params[f"w{i}"], np.float32), np.asarray(params[f"b{i}"], np.float32)
            if w.shape != (a, b) or bb.shape != (b,):
                raise ValueError(f"layer {i} has shapes {w.shape}/{bb.shape}, expected ({a}, {b})/({b},)")
            self.ws.append(np.ascontiguousarray(w))
            self.bs.append(bb)
        self.inv_std = (1.0 / np.asarray(params["std"], np.float32)).astype(np.float32)
        self.mean = np.asarray(params["mean"], np.float32)
        if self.mean.shape != (cfg.in_dim,):
            raise ValueError(f"normaliser has shape {self.mean.shape}, expected ({cfg.in_dim},)")
        self._x = np.empty(cfg.in_dim, np.float32)

    def features(self, obs: np.ndarray, t: float, prev: np.ndarray | None = None) -> np.ndarray:
        """Network input for observation ``obs`` at time ``t`` (seconds since reset) after
        action ``prev`` (``None``: zeros; ignored unless ``cfg.prev_action``)."""
        return policy_features(self.cfg, obs, t, prev, out=self._x)

    def __call__(self, obs: np.ndarray, t: float = 0.0, prev: np.ndarray | None = None) -> np.ndarray:
        h = (self.features(obs, t, prev) - self.mean) * self.inv_std
        last = len(self.ws) - 1
        for i, (w, b) in enumerate(zip(self.ws, self.bs)):
            h = h @ w
            h += b
            if i < last:
                np.maximum(h, 0.0, out=h)
        return np.tanh(h)


def save_mlp(path: str | os.PathLike, cfg: MLPPolicyConfig, params: dict[str, np.ndarray], meta: dict | None = None) -> Path:
    """Write an MLP policy checkpoint folder atomically."""
    import torch

    from .checkpoint import save_checkpoint

    tensors = {k: torch.as_tensor(np.asarray(v, np.float32)) for k, v in params.items()}
    return save_checkpoint(path, type=CONFIG_TYPE, config=asdict(cfg), model=tensors, meta=meta or {})


def load_mlp(path: str | os.PathLike) -> NumpyMLP:
    """Load an MLP policy folder for numpy inference (checks type, version and shapes)."""
    from .checkpoint import CheckpointError, read_checkpoint

    folder = Path(path)
    if not (folder / "config.json").is_file():
        raise CheckpointError(f"no MLP expert at {folder} (expected {folder / 'config.json'})")
    doc, arrays, _, _ = read_checkpoint(folder, CONFIG_TYPE, numpy=True)
    try:
        return NumpyMLP(MLPPolicyConfig(**doc["config"]), arrays)
    except (KeyError, ValueError, TypeError) as exc:
        raise CheckpointError(
            f"{folder}: the expert's config and weights do not fit ({' '.join(str(exc).split())}); restore the "
            "folder from a backup or train a new expert (mwx train expert)"
        ) from None
