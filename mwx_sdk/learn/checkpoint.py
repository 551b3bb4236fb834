"""Checkpoints: a folder with ``config.json`` + ``model.safetensors`` (+ ``optim.safetensors``,
+ ``replay.npz``), written atomically and checked on load.

``config.json`` carries the component ``type``, a ``format_version``, the component config
(dims and hyper-parameters), step counters, the optimizers' hyper-parameter groups and the
random-generator states. Optimizer state is flattened to tensors (``optim.<name>.<idx>.<key>``).
Nothing is pickled: replay arrays are loaded with ``allow_pickle=False``.

Atomic write: everything goes to a temporary folder next to the target and is flushed to disk;
then the old folder (if any) is moved aside, the new one renamed into place, and the old one
removed. A reader that finds only the moved-aside folder (a crash in between) uses it; temporary
folders left by a killed writer are removed by the next save.

Reading checks what a damaged or foreign folder can get wrong and raises :class:`CheckpointError`
with one line naming the file and what to do: ``config.json`` that is not a JSON object or
lacks a field, weight files that are truncated or not safetensors, and non-finite weights.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

FORMAT_VERSION = 1


class CheckpointError(ValueError):
    """A checkpoint is missing, damaged, of the wrong type or version, or does not fit the model."""


# the command that writes each checkpoint type, for "train a new one" hints
TRAIN_COMMANDS = {"tdmpc2": "mwx train world-model", "irm": "mwx train router", "mlp_expert": "mwx train expert"}


def _retrain_hint(kind: str) -> str:
    cmd = TRAIN_COMMANDS.get(kind)
    return f"restore it from a backup or train a new one ({cmd})" if cmd else "restore it from a backup or re-save it"


_EDITED = "it was not written by mwx or was edited: restore the file from a backup or train a new checkpoint"


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def temp_folders(path: str | os.PathLike) -> list[Path]:
    """Temporary folders of unfinished saves of the checkpoint ``path`` (left by a killed writer)."""
    path = Path(path)
    if not path.parent.is_dir():
        return []
    prefix = f".{path.name}.tmp-"
    return sorted(p for p in path.parent.iterdir() if p.name.startswith(prefix) and p.is_dir())


def remove_temp_folders(path: str | os.PathLike, keep: Path | None = None) -> None:
    """Delete what :func:`temp_folders` finds (except ``keep``)."""
    for p in temp_folders(path):
        if p != keep:
            shutil.rmtree(p, ignore_errors=True)


def _fsync_tree(folder: Path) -> None:
    # the rename must never put a folder in place whose files are still only in the page cache
    for f in folder.iterdir():
        with open(f, "r+b") as fh:  # writable: Windows refuses to flush a read-only handle
            os.fsync(fh.fileno())
    if hasattr(os, "O_DIRECTORY"):  # POSIX: persist the folder's entries too
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


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

    Raises:
        CheckpointError: ``path`` is a non-empty folder that holds no checkpoint (replacing it
            would delete whatever it holds).
    """
    from safetensors.torch import save_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_dir() and any(path.iterdir()) and not (path / "config.json").is_file():
        # the old folder is deleted after the swap: never do that to a folder that is not a checkpoint
        raise CheckpointError(
            f"{path} is a folder that holds no checkpoint (no config.json); refusing to replace it: "
            "choose a new or empty folder"
        )
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=path.parent))
    remove_temp_folders(path, keep=tmp)
    try:
        doc = {"type": type, "format_version": FORMAT_VERSION, "config": dict(config), **dict(meta or {})}
        (tmp / "config.json").write_text(json.dumps(doc, indent=1, default=_json_default))
        save_file({k: v.detach().cpu().contiguous() for k, v in model.items()}, str(tmp / "model.safetensors"))
        if optim:
            save_file({k: v.detach().cpu().contiguous() for k, v in optim.items()}, str(tmp / "optim.safetensors"))
        if replay is not None:
            with open(tmp / "replay.npz", "wb") as fh:
                np.savez(fh, **{k: np.ascontiguousarray(v) for k, v in replay.items()})
        _fsync_tree(tmp)
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
    if path.is_file() and (path.parent / "config.json").is_file():
        raise CheckpointError(f"{path} is a file inside a checkpoint; pass its folder {path.parent}")
    raise CheckpointError(f"no checkpoint at {path} (expected {path / 'config.json'}); check the path")


def read_config(path: str | os.PathLike) -> tuple[Path, dict[str, Any]]:
    """Read and check a checkpoint's ``config.json`` (no weights).

    Args:
        path: the checkpoint folder.

    Returns:
        ``(folder, doc)``: the folder actually read (the moved-aside copy after a crash
        mid-save) and the parsed document, a JSON object with ``type`` and ``format_version``.

    Raises:
        CheckpointError: no folder, unreadable or invalid JSON, not an object, a field missing.
    """
    folder = _resolve(Path(path))
    file = folder / "config.json"
    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(
            f"{file} is not valid JSON ({_one_line(exc)}); restore the file from a backup or train a new checkpoint"
        ) from None
    except OSError as exc:
        raise CheckpointError(f"cannot read {file}: {_one_line(exc)}") from None
    if not isinstance(doc, dict):
        raise CheckpointError(
            f"{file} holds a JSON {type(doc).__name__}, not the object a checkpoint writes; "
            "restore the file from a backup or train a new checkpoint"
        )
    missing = [k for k in ("type", "format_version") if k not in doc]
    if missing:
        raise CheckpointError(f"{file} lacks the field(s) {missing}; {_EDITED}")
    return folder, doc


def _load_tensors(file: Path, numpy: bool, kind: str) -> dict[str, Any]:
    """Read one safetensors file, refusing damaged files and non-finite floating-point tensors."""
    from safetensors import SafetensorError

    if numpy:
        from safetensors.numpy import load_file
    else:
        from safetensors.torch import load_file
    try:
        tensors = load_file(str(file))
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        raise CheckpointError(
            f"{file} is damaged or not a safetensors file ({_one_line(exc)}); {_retrain_hint(kind)}"
        ) from None
    for name, t in tensors.items():
        if numpy:
            bad = np.issubdtype(t.dtype, np.floating) and not np.isfinite(t).all()
        else:
            import torch

            bad = t.is_floating_point() and not bool(torch.isfinite(t).all())
        if bad:
            raise CheckpointError(
                f"{file}: tensor {name!r} holds NaN or inf values (the run that saved it diverged); "
                f"{_retrain_hint(kind)}"
            )
    return tensors


def read_checkpoint(path: str | os.PathLike, expect_type: str, with_optim: bool = False, with_replay: bool = False,
                    numpy: bool = False):
    """Read a checkpoint folder, checking its type, format version and weights.

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
        CheckpointError: missing or damaged files, wrong type or unsupported version, NaN or inf
            in a model or optimizer tensor.
    """
    folder, doc = read_config(path)
    if doc["type"] != expect_type:
        cmd = TRAIN_COMMANDS.get(expect_type)
        raise CheckpointError(
            f"checkpoint {folder} holds a {doc['type']!r} model, expected {expect_type!r}"
            + (f"; pass a folder written by `{cmd}`" if cmd else "")
        )
    if doc["format_version"] != FORMAT_VERSION:
        raise CheckpointError(
            f"checkpoint {folder} has format version {doc['format_version']}; this mwx reads "
            f"version {FORMAT_VERSION}. Re-train or convert it with the matching mwx release."
        )
    if not isinstance(doc.get("config"), dict):
        what = "lacks the field ['config']" if "config" not in doc else "holds a \"config\" that is not an object"
        raise CheckpointError(f"{folder / 'config.json'} {what}; {_EDITED}")
    if not (folder / "model.safetensors").is_file():
        raise CheckpointError(f"checkpoint {folder} has no model.safetensors; {_retrain_hint(expect_type)}")
    model = _load_tensors(folder / "model.safetensors", numpy, expect_type)
    optim: dict = {}
    if with_optim and (folder / "optim.safetensors").is_file():
        optim = _load_tensors(folder / "optim.safetensors", numpy, expect_type)
    replay = None
    if with_replay and (folder / "replay.npz").is_file():
        file = folder / "replay.npz"
        try:
            with np.load(file, allow_pickle=False) as z:
                replay = {k: z[k] for k in z.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            raise CheckpointError(
                f"{file} is damaged ({_one_line(exc)}); the weights load without it, but training cannot "
                f"resume: {_retrain_hint(expect_type)}"
            ) from None
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
