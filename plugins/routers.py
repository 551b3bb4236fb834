"""Bundled routers: ``fusion`` (MetaWorld), ``semantic``, ``state``, ``uniform``, ``switch``.

MetaWorld's state-aware selection is ``p(i|s) = softmax_i(phi(s) . psi_i)`` fused with the
semantic weights as ``w~ = alpha w + (1 - alpha) p`` (alpha = 0.7). Untrained, psi_i is the
expert's own ``embedding()`` (the mean of its reference states) and phi(s) the matching state
feature, both standardised by the spread of the experts' embeddings; the logits are negative
mean squared distances over a temperature T, so p prefers the expert whose reference is
nearest the current state. Because ``-|x - psi|^2 = 2 x.psi - |psi|^2 - |x|^2`` and ``|x|^2``
is common to all experts, this is exactly the paper's dot-product form with a bias,
``logits = W x + b``, which is the trainable parameterisation :meth:`FusionRouter.fit` refines
(softmax regression on numpy; checkpoints are ``config.json`` + ``router.safetensors``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mwx_sdk import hookimpl
from mwx_sdk.fileio import atomic_path, atomic_write_text
from mwx_sdk.interfaces import Expert, Router, StepContext

CHECKPOINT_TYPE = "mwx.fusion_router"
CHECKPOINT_VERSION = 1
FEATURES = ("auto", "obs", "joints_height", "joint_qpos", "qpos")
REFERENCES = ("mean", "nearest")


@dataclass
class FusionRouterConfig:
    """Configuration of the fusion-family routers.

    Args:
        alpha: weight of the semantic term (1 = semantic only, 0 = state only). MetaWorld: 0.7.
        temperature: softmax temperature T of the state term.
        feature: state feature phi(s): ``"obs"`` (the observation), ``"joints_height"``
            (the robot's joint angles then the root height, ``[qpos[7:7+J], qpos[2]]``: the
            convention of the bundled motion-prior experts), ``"joint_qpos"`` (``qpos[7:]``),
            ``"qpos"`` (full generalised positions), or ``"auto"`` (the first of those, in that
            order, whose size matches the experts' embeddings).
        checkpoint: folder of a trained router to load (``config.json`` + safetensors).
        smoothing: time constant (s) of an exponential average of p(i|s) over control steps;
            0 fuses each step's p(i|s) as it is (MetaWorld). Within a fast periodic motion the
            nearest reference can change several times per stride; averaging over about a
            stride keeps such flicker out of the blend.
        reference: what the state is compared with: ``"mean"``, each expert's ``embedding()``
            (MetaWorld; the linear form that :meth:`FusionRouter.fit` trains), or
            ``"nearest"``, the nearest of the expert's reference states
            (``reference_features()``, shape ``(F, D)``, where the expert has it; else its
            embedding). A gait's mean is a pose it never passes through: mid-stride, with both
            legs straight, the robot is nearer a standing pose than the walk's mean, and the
            mean form hands weight to standing there; the nearest frame of the gait is near
            at every phase. Untrained routers only.
    """

    alpha: float = 0.7
    temperature: float = 0.5
    feature: str = "auto"
    checkpoint: str | None = None
    smoothing: float = 0.0
    reference: str = "mean"

    def __post_init__(self) -> None:
        if not 0.0 <= float(self.alpha) <= 1.0:
            raise ValueError(f"alpha must be in [0, 1], got {self.alpha}")
        if not float(self.temperature) > 0:
            raise ValueError(f"temperature must be positive, got {self.temperature}")
        if self.feature not in FEATURES:
            raise ValueError(f"feature must be one of {FEATURES}, got {self.feature!r}")
        if not (np.isfinite(float(self.smoothing)) and float(self.smoothing) >= 0):
            raise ValueError(f"smoothing is a time constant in seconds >= 0, got {self.smoothing}")
        if self.reference not in REFERENCES:
            raise ValueError(f"reference must be one of {REFERENCES}, got {self.reference!r}")
        if self.reference == "nearest" and self.checkpoint:
            raise ValueError("a trained router compares the state with the experts' means: use reference='mean' "
                             "with a checkpoint")


def _softmax_inplace(z: np.ndarray) -> np.ndarray:
    z -= z.max()
    np.exp(z, out=z)
    z /= z.sum()
    return z


def _feature_fn(kind: str, dim: int, obs_dim: int | None, env: Any) -> Callable[[np.ndarray], np.ndarray]:
    data = getattr(env, "data", None)
    sources: list[tuple[str, Callable[[np.ndarray], np.ndarray], int | None]] = [
        ("obs", lambda obs: obs, obs_dim),
    ]
    if data is not None:
        nq = int(data.qpos.shape[0])
        if 2 <= dim <= nq - 6:
            buf = np.empty(dim)
            qpos = data.qpos

            def joints_height(obs: np.ndarray) -> np.ndarray:
                buf[: dim - 1] = qpos[7 : 6 + dim]
                buf[dim - 1] = qpos[2]
                return buf

            sources.append(("joints_height", joints_height, dim))
        sources.append(("joint_qpos", lambda obs: data.qpos[7:], nq - 7))
        sources.append(("qpos", lambda obs: data.qpos, nq))
    for name, fn, size in sources:
        if (kind == "auto" or kind == name) and size == dim:
            return fn
    if kind != "auto":
        raise ValueError(
            f"router feature {kind!r} does not match the experts' embedding size {dim} "
            f"(or needs an env with physics data); use feature='auto' or retrain the router"
        )
    sizes = {n: s for n, _, s in sources}
    raise ValueError(
        f"cannot match a state feature to expert embeddings of size {dim}: candidate sizes {sizes}; "
        "experts' embedding() must live in the observation or qpos space"
    )


def _read_checkpoint_config(path: str | os.PathLike) -> dict[str, Any]:
    """The checked ``config.json`` of a router checkpoint folder.

    Raises:
        FileNotFoundError: when ``path`` lacks ``config.json`` or ``router.safetensors``.
        ValueError: when ``config.json`` is unreadable, of another type or a newer version.
    """
    folder = Path(path)
    cfg_path, st_path = folder / "config.json", folder / "router.safetensors"
    if not cfg_path.is_file() or not st_path.is_file():
        raise FileNotFoundError(f"{folder} is not a router checkpoint (needs config.json and router.safetensors)")
    try:
        cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{cfg_path} is not valid JSON ({exc}); save the router again") from None
    if not isinstance(cfg, dict) or cfg.get("type") != CHECKPOINT_TYPE:
        got = cfg.get("type") if isinstance(cfg, dict) else type(cfg).__name__
        raise ValueError(f"{cfg_path} has type {got!r}, expected {CHECKPOINT_TYPE!r}")
    if int(cfg.get("version", -1)) > CHECKPOINT_VERSION:
        raise ValueError(f"{cfg_path} has format version {cfg.get('version')}; upgrade mwx-sdk to load it")
    missing = [k for k in ("experts", "num_experts", "feature_dim") if k not in cfg]
    if missing or not isinstance(cfg.get("config", {}), dict):
        raise ValueError(f"{cfg_path} lacks {missing or ['a config table']}; save the router again")
    return cfg


class FusionRouter(Router):
    """``w~ = alpha w + (1 - alpha) softmax(W phi(s) + b)`` with nearest-reference initialisation."""

    name = "fusion"
    fixed_alpha: float | None = None

    def __init__(self, **cfg: Any) -> None:
        if self.fixed_alpha is not None:
            if "alpha" in cfg and float(cfg["alpha"]) != self.fixed_alpha:
                raise ValueError(f"router {self.name!r} fixes alpha = {self.fixed_alpha}; use 'fusion' to choose alpha")
            cfg["alpha"] = self.fixed_alpha
        self.config = FusionRouterConfig(**cfg)
        self.alpha = float(self.config.alpha)
        self.expert_names: list[str] = []
        self.W: np.ndarray | None = None  # (K, D) psi_i in the dot-product form
        self.b: np.ndarray | None = None  # (K,)
        self.mu: np.ndarray | None = None  # (D,) feature standardisation
        self.inv_sigma: np.ndarray | None = None
        self.trained = False
        self._feature: Callable[[np.ndarray], np.ndarray] | None = None
        self._p: np.ndarray | None = None
        self._p_avg: np.ndarray | None = None  # exponential average of p(i|s) (smoothing > 0)
        self._xn: np.ndarray | None = None
        self._out: np.ndarray | None = None
        self._uniform = False
        self._frames: list[np.ndarray] | None = None  # standardised reference states (reference="nearest")
        self._zk: np.ndarray | None = None
        if self.config.checkpoint:
            self._load_params(self.config.checkpoint)

    # -- set-up ----------------------------------------------------------------------------
    def init_from_embeddings(
        self,
        names: Sequence[str],
        embeddings: Sequence[np.ndarray | None],
        frames: Sequence[np.ndarray | None] | None = None,
    ) -> None:
        """Nearest-reference initialisation from the experts' embeddings psi_i.

        Args:
            names: expert names, in the agent's order.
            embeddings: each expert's ``embedding()`` (``None`` for experts without one: they
                get the average logit, i.e. no state preference).
            frames: with ``reference="nearest"``, each expert's reference states ``(F, D)``
                (``None`` where it has none: its embedding stands in).
        """
        k = len(names)
        have = [i for i, e in enumerate(embeddings) if e is not None]
        self.expert_names = list(names)
        if not have:
            self._uniform = True
            self.W = self.b = self.mu = self.inv_sigma = None
            return
        dims = {int(np.asarray(embeddings[i]).size) for i in have}
        if len(dims) != 1:
            raise ValueError(f"experts' embeddings have different sizes {sorted(dims)}; they must share a feature space")
        d = dims.pop()
        psi = np.stack([np.asarray(embeddings[i], dtype=np.float64).ravel() for i in have])
        self.mu = psi.mean(axis=0)
        std = psi.std(axis=0)
        # a floor keeps dimensions on which all experts agree from dominating the distance
        floor = max(0.1 * float(std.mean()), 1e-3)
        self.inv_sigma = 1.0 / np.maximum(std, floor)
        psi_n = (psi - self.mu) * self.inv_sigma
        scale = 1.0 / (d * float(self.config.temperature))
        W = np.zeros((k, d))
        b = np.zeros(k)
        W[have] = 2.0 * psi_n * scale
        b[have] = -np.sum(psi_n**2, axis=1) * scale
        missing = [i for i in range(k) if i not in have]
        if missing:
            # the mean of linear logits is the linear function with mean parameters
            W[missing] = W[have].mean(axis=0)
            b[missing] = b[have].mean()
        self.W, self.b = W, b
        self._uniform = False
        self._frames = None
        if self.config.reference == "nearest":
            self._frames = []
            for i in have:
                f = frames[i] if frames is not None and frames[i] is not None else embeddings[i]
                f = np.asarray(f, dtype=np.float64).reshape(-1, d)
                if not np.all(np.isfinite(f)):
                    raise ValueError(f"expert {names[i]!r} has non-finite reference states")
                self._frames.append((f - self.mu) * self.inv_sigma)
            self._have = np.array(have, dtype=int)
            self._scale = scale

    def reset(self, experts: Sequence[Expert], ctx: StepContext) -> None:
        names = [e.spec.name for e in experts]
        k = len(names)
        if self.trained:
            if names != self.expert_names:
                raise ValueError(
                    f"trained router expects experts {self.expert_names} in this order, got {names}; "
                    "compose the same experts or retrain"
                )
        else:
            frames = None
            if self.config.reference == "nearest":
                frames = [_reference_frames(e) for e in experts]
            self.init_from_embeddings(names, [e.embedding() for e in experts], frames)
        self._p = np.full(k, 1.0 / k)
        self._zk = np.empty(k)
        self._p_avg = None
        self._out = np.empty(k)
        if self._uniform:
            self._feature = None
            return
        d = self.W.shape[1]
        obs_dim = experts[0].spec.obs_dim if experts else None
        env = getattr(ctx, "env", None)
        if obs_dim is None and env is not None and getattr(env, "observation_space", None) is not None:
            shape = getattr(env.observation_space, "shape", None)
            obs_dim = int(np.prod(shape)) if shape else None
        self._feature = _feature_fn(self.config.feature, d, obs_dim, env)
        self._xn = np.empty(d)

    # -- hot path --------------------------------------------------------------------------
    def state_probs(self, obs: np.ndarray) -> np.ndarray:
        """p(i|s) for ``obs`` (uniform when no expert has an embedding)."""
        if self._uniform or self._feature is None:
            return self._p
        xn = self._xn
        np.subtract(self._feature(obs), self.mu, out=xn)
        xn *= self.inv_sigma
        if self._frames is not None:
            z = self._zk
            for j, i in enumerate(self._have):
                diff = self._frames[j] - xn
                z[i] = -float(np.min(np.einsum("fd,fd->f", diff, diff))) * self._scale
            if len(self._have) < len(z):  # experts without references: the average logit
                mask = np.ones(len(z), dtype=bool)
                mask[self._have] = False
                z[mask] = z[self._have].mean()
            self._p = _softmax_inplace(z)
            return self._p
        z = self.W @ xn
        z += self.b
        self._p = _softmax_inplace(z)
        return self._p

    def weights(self, obs: np.ndarray, semantic_w: np.ndarray, ctx: StepContext) -> np.ndarray:
        if self._out is None:
            raise RuntimeError("router.reset(experts, ctx) must be called before weights()")
        out = self._out
        if self.alpha >= 1.0:
            out[:] = semantic_w
            return out.copy()
        p = self.state_probs(obs)
        tau = float(self.config.smoothing)
        if tau > 0:
            if self._p_avg is None:
                self._p_avg = p.copy()
            else:
                self._p_avg += ctx.dt / (tau + ctx.dt) * (p - self._p_avg)
            p = self._p_avg
        np.multiply(semantic_w, self.alpha, out=out)
        out += (1.0 - self.alpha) * p
        return out.copy()

    def state_weights(self) -> np.ndarray | None:
        p = self._p_avg if self._p_avg is not None else self._p
        return None if p is None else p.copy()

    # -- training --------------------------------------------------------------------------
    def fit(
        self,
        features: np.ndarray,
        targets: np.ndarray,
        *,
        epochs: int = 300,
        lr: float = 0.5,
        l2: float = 1e-3,
    ) -> list[float]:
        """Refine ``W, b`` by softmax regression on (state feature, target weights) pairs.

        Targets may be expert indices ``(N,)`` (e.g. the expert active in a demonstration) or
        soft weights ``(N, K)`` (e.g. VLM weights to distil). The initialisation must exist
        (call :meth:`reset` or :meth:`init_from_embeddings` first); an L2 pull towards it keeps
        the nearest-reference prior where data is thin.

        Args:
            features: raw state features phi(s), shape ``(N, D)``.
            targets: ``(N,)`` int labels or ``(N, K)`` non-negative weights.
            epochs: full-batch gradient steps.
            lr: step size.
            l2: strength of the pull towards the initial parameters.

        Returns:
            Cross-entropy loss per epoch.
        """
        if self.W is None:
            raise RuntimeError("fit needs initial parameters: call reset(experts, ctx) or init_from_embeddings first")
        if self.config.reference != "mean":
            raise ValueError("fit trains the linear form of the state term: build the router with reference='mean'")
        X = np.asarray(features, dtype=np.float64)
        k, d = self.W.shape
        if X.ndim != 2 or X.shape[1] != d:
            raise ValueError(f"features must have shape (N, {d}), got {X.shape}")
        T = np.asarray(targets)
        if T.ndim == 1:
            if T.shape[0] != X.shape[0] or T.min() < 0 or T.max() >= k:
                raise ValueError(f"label targets must be {X.shape[0]} ints in [0, {k})")
            T = np.eye(k)[T.astype(int)]
        T = T.astype(np.float64)
        if T.shape != (X.shape[0], k) or np.any(T < 0):
            raise ValueError(f"soft targets must be non-negative with shape ({X.shape[0]}, {k}), got {T.shape}")
        T = T / np.maximum(T.sum(axis=1, keepdims=True), 1e-12)
        Xn = (X - self.mu) * self.inv_sigma
        W0, b0 = self.W.copy(), self.b.copy()
        W, b = self.W.copy(), self.b.copy()
        n = X.shape[0]
        losses = []
        for _ in range(int(epochs)):
            z = Xn @ W.T + b
            z -= z.max(axis=1, keepdims=True)
            logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
            p = np.exp(logp)
            losses.append(float(-(T * logp).sum() / n + l2 * (np.sum((W - W0) ** 2) + np.sum((b - b0) ** 2))))
            g = (p - T) / n
            W -= lr * (g.T @ Xn + 2 * l2 * (W - W0))
            b -= lr * (g.sum(axis=0) + 2 * l2 * (b - b0))
        self.W, self.b = W, b
        self.trained = True
        self._uniform = False
        return losses

    def save(self, path: str | os.PathLike) -> Path:
        """Write ``config.json`` + ``router.safetensors`` into folder ``path`` (atomically)."""
        from safetensors.numpy import save_file

        if self.W is None:
            raise RuntimeError("nothing to save: the router has no parameters yet (call reset or fit)")
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        tensors = {"W": self.W, "b": self.b, "mu": self.mu, "inv_sigma": self.inv_sigma}
        with atomic_path(folder / "router.safetensors") as tmp:
            save_file({k: np.ascontiguousarray(v, dtype=np.float64) for k, v in tensors.items()}, str(tmp))
        cfg = {
            "type": CHECKPOINT_TYPE,
            "version": CHECKPOINT_VERSION,
            "router": self.name,
            "experts": self.expert_names,
            "num_experts": int(self.W.shape[0]),
            "feature_dim": int(self.W.shape[1]),
            "config": {k: v for k, v in asdict(self.config).items() if k != "checkpoint"},
        }
        atomic_write_text(folder / "config.json", json.dumps(cfg, indent=2))
        return folder

    def _load_params(self, path: str | os.PathLike) -> None:
        from safetensors.numpy import load_file

        cfg = _read_checkpoint_config(path)
        st_path = Path(path) / "router.safetensors"
        t = load_file(str(st_path))
        k, d = int(cfg["num_experts"]), int(cfg["feature_dim"])
        shapes = {"W": (k, d), "b": (k,), "mu": (d,), "inv_sigma": (d,)}
        for name, shape in shapes.items():
            if name not in t or tuple(t[name].shape) != shape:
                got = None if name not in t else tuple(t[name].shape)
                raise ValueError(f"{st_path}: tensor {name!r} has shape {got}, config.json says {shape}")
        self.W, self.b, self.mu, self.inv_sigma = t["W"], t["b"], t["mu"], t["inv_sigma"]
        self.expert_names = list(cfg["experts"])
        self.trained = True
        self._uniform = False

    @classmethod
    def load(cls, path: str | os.PathLike, **overrides: Any) -> FusionRouter:
        """Build a router from a checkpoint folder (``overrides`` replace saved config values)."""
        cfg = dict(_read_checkpoint_config(path).get("config", {}))
        cfg.update(overrides)
        cfg["checkpoint"] = str(path)
        if cls.fixed_alpha is not None:
            cfg.pop("alpha", None)
        return cls(**cfg)


def _reference_frames(expert: Expert) -> np.ndarray | None:
    """The expert's reference states for ``reference="nearest"`` (``None`` when it has none)."""
    fn = getattr(expert, "reference_features", None)
    if not callable(fn):
        return None
    f = fn()
    return None if f is None else np.asarray(f, dtype=np.float64)


class SemanticRouter(FusionRouter):
    """Semantic weights only (alpha = 1): the VLM decides alone."""

    name = "semantic"
    fixed_alpha = 1.0


class StateRouter(FusionRouter):
    """State-aware selection only (alpha = 0): the nearest-reference expert leads."""

    name = "state"
    fixed_alpha = 0.0


class SwitchRouter(FusionRouter):
    """Hard arg-max of the fused weights: the discrete option-selection baseline."""

    name = "switch"

    def weights(self, obs: np.ndarray, semantic_w: np.ndarray, ctx: StepContext) -> np.ndarray:
        fused = super().weights(obs, semantic_w, ctx)
        out = np.zeros_like(fused)
        out[int(np.argmax(fused))] = 1.0
        return out


class UniformRouter(Router):
    """Equal weight on every expert (ignores the plan and the state)."""

    name = "uniform"

    def __init__(self) -> None:
        self._w: np.ndarray | None = None

    def reset(self, experts: Sequence[Expert], ctx: StepContext) -> None:
        self._w = np.full(len(experts), 1.0 / len(experts))

    def weights(self, obs: np.ndarray, semantic_w: np.ndarray, ctx: StepContext) -> np.ndarray:
        if self._w is None:
            raise RuntimeError("router.reset(experts, ctx) must be called before weights()")
        return self._w.copy()


@hookimpl
def register_routers(register):
    register(FusionRouter, name="fusion", description="MetaWorld fusion: alpha * semantic + (1 - alpha) * softmax(phi(s).psi_i), alpha = 0.7")
    register(SemanticRouter, name="semantic", description="Semantic weights only (alpha = 1)")
    register(StateRouter, name="state", description="State-aware selection only (alpha = 0)")
    register(UniformRouter, name="uniform", description="Equal weights on every expert")
    register(SwitchRouter, name="switch", description="Hard arg-max of the fused weights (discrete options)")
