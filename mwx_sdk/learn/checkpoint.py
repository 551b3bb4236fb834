"""Checkpoints: a folder with ``config.json`` + ``model.safetensors`` (+ ``optim.safetensors``,
+ ``replay.npz``), written atomically and checked on load.

``config.json`` carries the component ``type``, a ``format_version``, the component config
(dims and hyper-parameters), step counters, the optimizers' hyper-parameter groups and the
random-generator states. Optimizer state is flattened to tensors (``optim.<name>.<idx>.<key>``).
Nothing is pickled: replay arrays are loaded with ``allow_pickle=False``.

Atomic write: everything goes to a temporary folder next to the target; then the old folder
(if any) is moved aside, the new one renamed into place, and the old one removed. A reader that
finds only the moved-aside folder (a crash in between) uses it.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

FORMAT_VERSION = 1


class CheckpointError(ValueError):
    """A checkpoint is missing, of the wrong type or version, or does not fit the model."""


def _json_default(o: Any):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, tuple):
        return list(o)
    raise TypeError(f"cannot store {type(o).__name__} in config.json")


def flatten_optimizer(name: str, optim) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split an optimizer's state dict into tensors and JSON-friendly groups.

    Args:
        name: prefix for the tensor keys.
        optim: a ``torch.optim.Optimizer``.

    Returns:
        ``(tensors, groups)``.
    """
    import torch

    sd = optim.state_dict()
    tensors: dict[str, Any] = {}
    for idx, st in sd["state"].items():
        for key, val in st.items():
            t = val if isinstance(val, torch.Tensor) else torch.tensor(val)
            tensors[f"optim.{name}.{idx}.{key}"] = t.detach().cpu().contiguous()
    groups = json.loads(json.dumps(sd["param_groups"], default=_json_default))
    return tensors, {"param_groups": groups}


def restore_optimizer(name: str, optim, tensors: Mapping[str, Any], groups: Mapping[str, Any]) -> None:
    """Load what :func:`flatten_optimizer` produced into ``optim`` (same parameter layout)."""
    prefix = f"optim.{name}."
    state: dict[int, dict[str, Any]] = {}
    for key, val in tensors.items():
        if key.startswith(prefix):
            idx, field = key[len(prefix):].split(".", 1)
            state.setdefault(int(idx), {})[field] = val
    pgs = []
    for g in groups["param_groups"]:
        g = dict(g)
        if "betas" in g:
            g["betas"] = tuple(g["betas"])
        pgs.append(g)
    current = optim.state_dict()["param_groups"]
    if [len(g["params"]) for g in current] != [len(g["params"]) for g in pgs]:
        raise CheckpointError(f"optimizer {name!r} in the checkpoint has a different parameter layout")
    optim.load_state_dict({"state": state, "param_groups": pgs})


def rng_state() -> tuple[dict[str, Any], dict[str, Any]]:
    """Global RNG states: JSON part (python, numpy legacy) and tensor part (torch)."""
    import torch

    py = random.getstate()
    np_state = np.random.get_state()
    meta = {
        "python": [py[0], list(py[1]), py[2]],
        "numpy": [np_state[0], np_state[1].tolist(), int(np_state[2]), int(np_state[3]), float(np_state[4])],
    }
    return meta, {"rng.torch": torch.get_rng_state()}


def set_rng_state(meta: Mapping[str, Any], tensors: Mapping[str, Any]) -> None:
    """Restore what :func:`rng_state` captured."""
    import torch

    if "python" in meta:
        v, st, g = meta["python"]
        random.setstate((v, tuple(st), g))
    if "numpy" in meta:
        k, keys, pos, has_g, g = meta["numpy"]
        np.random.set_state((k, np.asarray(keys, dtype=np.uint32), pos, has_g, g))
    if "rng.torch" in tensors:
        torch.set_rng_state(tensors["rng.torch"])


def save_checkpoint(
    path: str | os.PathLike,
    *,
    type: str,
    config: Mapping[str, Any],
    model: Mapping[str, Any],
    optim: Mapping[str, Any] | None = None,
    replay: Mapping[str, np.ndarray] | None = None,
    meta: Mapping[str, Any] | None = None,
) -> Path:
    """Write a checkpoint folder atomically.

    Args:
        path: the folder to (re)write.
        type: component type string checked on load (``"tdmpc2"``, ``"irm"``, ``"mlp_expert"``).
        config: the component config (JSON-friendly).
        model: name -> tensor of the model.
        optim: name -> tensor of optimizer and RNG state, if any.
        replay: name -> array of the replay buffer, if any.
        meta: more JSON-friendly values stored in ``config.json`` (counters, groups, RNG).

    Returns:
        The folder path.
    """
    from safetensors.torch import save_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=path.parent))
    try:
        doc = {"type": type, "format_version": FORMAT_VERSION, "config": dict(config), **dict(meta or {})}
        (tmp / "config.json").write_text(json.dumps(doc, indent=1, default=_json_default))
        save_file({k: v.detach().cpu().contiguous() for k, v in model.items()}, str(tmp / "model.safetensors"))
        if optim:
            save_file({k: v.detach().cpu().contiguous() for k, v in optim.items()}, str(tmp / "optim.safetensors"))
        if replay is not None:
            with open(tmp / "replay.npz", "wb") as fh:
                np.savez(fh, **{k: np.ascontiguousarray(v) for k, v in replay.items()})
        aside = path.with_name(f".{path.name}.old")
        if path.exists():
            if aside.exists():
                shutil.rmtree(aside)
            os.replace(path, aside)
        os.replace(tmp, path)
        if aside.exists():
            shutil.rmtree(aside)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path


def _resolve(path: Path) -> Path:
    if (path / "config.json").is_file():
        return path
    aside = path.with_name(f".{path.name}.old")
    if (aside / "config.json").is_file():
        return aside
    raise CheckpointError(f"no checkpoint at {path} (expected {path / 'config.json'}); check the path")


def read_checkpoint(path: str | os.PathLike, expect_type: str, with_optim: bool = False, with_replay: bool = False,
                    numpy: bool = False):
    """Read a checkpoint folder, checking its type and format version.

    Args:
        path: the folder.
        expect_type: the required ``type``.
        with_optim: also read ``optim.safetensors`` (empty dict if absent).
        with_replay: also read ``replay.npz`` (``None`` if absent).
        numpy: return numpy arrays instead of torch tensors (no torch import; for numpy
            inference).

    Returns:
        ``(doc, model_tensors, optim_tensors, replay_arrays)``.

    Raises:
        CheckpointError: missing files, wrong type or unsupported version.
    """
    if numpy:
        from safetensors.numpy import load_file
    else:
        from safetensors.torch import load_file

    folder = _resolve(Path(path))
    try:
        doc = json.loads((folder / "config.json").read_text())
    except json.JSONDecodeError as exc:
        raise CheckpointError(f"{folder / 'config.json'} is not valid JSON: {exc}") from exc
    if doc.get("type") != expect_type:
        raise CheckpointError(
            f"checkpoint {folder} holds a {doc.get('type')!r} model, expected {expect_type!r}"
        )
    if doc.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(
            f"checkpoint {folder} has format version {doc.get('format_version')}; this mwx reads "
            f"version {FORMAT_VERSION}. Re-train or convert it with the matching mwx release."
        )
    if not (folder / "model.safetensors").is_file():
        raise CheckpointError(f"checkpoint {folder} has no model.safetensors")
    model = load_file(str(folder / "model.safetensors"))
    optim: dict = {}
    if with_optim and (folder / "optim.safetensors").is_file():
        optim = load_file(str(folder / "optim.safetensors"))
    replay = None
    if with_replay and (folder / "replay.npz").is_file():
        with np.load(folder / "replay.npz", allow_pickle=False) as z:
            replay = {k: z[k] for k in z.files}
    return doc, model, optim, replay


def check_shapes(expected: Mapping[str, Any], got: Mapping[str, Any], where: str) -> None:
    """Fail with a clear message when tensor names or shapes differ.

    Args:
        expected: name -> tensor the model has.
        got: name -> tensor the checkpoint has.
        where: the checkpoint path, for the message.
    """
    missing = sorted(set(expected) - set(got))
    extra = sorted(set(got) - set(expected))
    if missing or extra:
        raise CheckpointError(
            f"checkpoint {where} does not match the model: missing {missing[:5]}, unexpected {extra[:5]}"
        )
    bad = [
        f"{k}: checkpoint {tuple(got[k].shape)} vs model {tuple(expected[k].shape)}"
        for k in expected
        if tuple(got[k].shape) != tuple(expected[k].shape)
    ]
    if bad:
        raise CheckpointError(f"checkpoint {where} has tensors of the wrong shape: " + "; ".join(bad[:5]))
