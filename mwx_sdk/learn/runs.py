"""Run folders of ``mwx train``: one rule for starting, resuming and replacing a training run.

A run folder that already holds a run is never rewritten by accident: starting there needs
``overwrite`` (which first removes the old run's files), continuing needs ``resume`` (which needs a
checkpoint to continue from, and the same task and model options the run was started with).
Temporary files of saves that a killed process left behind are removed when a run starts.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .checkpoint import CheckpointError, read_config, remove_temp_folders


class RunFolderError(ValueError):
    """A run folder cannot be used as asked: it holds a run (and neither resume nor overwrite was
    given), it holds nothing to resume, or the run was started with other options."""


@dataclass(frozen=True)
class RunLayout:
    """What one kind of run writes into its folder.

    Args:
        name: the ``mwx train`` subcommand (``world-model``, ``expert``, ``router``).
        checkpoint: the checkpoint folder inside the run folder; ``""`` when the run folder is
            the checkpoint itself.
        files: the other files and folders the run writes (removed by ``overwrite``).
        resumable: the run can be continued.
        progress: ``(run folder, checkpoint config.json document) -> "N steps"``, how far the run
            got.
    """

    name: str
    checkpoint: str
    files: tuple[str, ...]
    resumable: bool
    progress: Callable[[Path, dict[str, Any]], str]

    def checkpoint_path(self, out: Path) -> Path:
        return out / self.checkpoint if self.checkpoint else out


def _steps(out: Path, doc: dict[str, Any]) -> str:
    n = (doc.get("counters") or {}).get("env_steps")
    return f"{n} steps" if isinstance(n, int) else "a checkpoint"


def _rounds(out: Path, doc: dict[str, Any]) -> str:
    try:
        n = json.loads((out / "progress.json").read_text())["next_round"]
    except (OSError, ValueError, KeyError, TypeError):
        return "a trained expert"
    return f"{n} round{'s' if n != 1 else ''}"


WORLD_MODEL = RunLayout("world-model", "checkpoint", ("metrics.jsonl", "train_config.json", "tb"), True, _steps)
EXPERT = RunLayout("expert", "expert", ("dataset.npz", "progress.json"), True, _rounds)
ROUTER = RunLayout(
    "router", "", (), False,
    lambda out, doc: "a trained IRM router" if doc.get("type") == "irm" else f"a {doc.get('type')!r} checkpoint",
)
NO_CHECKPOINT = "no checkpoint yet"


def _checkpoint_doc(ckpt: Path) -> dict[str, Any] | None:
    """The checkpoint's config.json, ``{}`` when present but unreadable, ``None`` when absent."""
    if not ((ckpt / "config.json").is_file() or (ckpt.with_name(f".{ckpt.name}.old") / "config.json").is_file()):
        return None
    try:
        return read_config(ckpt)[1]
    except CheckpointError:
        return {}


def describe_run(out: str | os.PathLike, layout: RunLayout) -> str | None:
    """How much of a run ``out`` holds (``"1975 steps"``), or ``None`` when it holds none."""
    out = Path(out)
    doc = _checkpoint_doc(layout.checkpoint_path(out))
    if doc is not None:
        return layout.progress(out, doc) if doc else "an unreadable checkpoint"
    if any((out / f).exists() for f in layout.files if f != "tb"):
        return NO_CHECKPOINT
    return None


def has_checkpoint(out: str | os.PathLike, layout: RunLayout) -> bool:
    """Whether ``out`` holds a run that ``resume`` can continue (for "resume if possible" scripts)."""
    return _checkpoint_doc(layout.checkpoint_path(Path(out))) is not None


def _remove_leftovers(out: Path, layout: RunLayout) -> None:
    """Delete temporary files of saves cut short by a killed process."""
    if layout.checkpoint:
        remove_temp_folders(out / layout.checkpoint)
    if not out.is_dir():
        return
    # fileio.atomic_path names its temporary files ".<stem>.<random>.tmp<suffix>"
    stems = [Path(f).stem for f in layout.files if Path(f).suffix]
    for p in out.iterdir():
        if p.is_file() and any(p.name.startswith(f".{s}.") and ".tmp" in p.name for s in stems):
            p.unlink(missing_ok=True)


def _remove_run(out: Path, layout: RunLayout) -> None:
    names = list(layout.files)
    if layout.checkpoint:
        names += [layout.checkpoint, f".{layout.checkpoint}.old"]
    for name in names:
        p = out / name
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p)
        elif p.exists() or p.is_symlink():
            p.unlink()


def claim_run_folder(out: str | os.PathLike, layout: RunLayout, *, resume: bool = False,
                     overwrite: bool = False) -> None:
    """Check that ``out`` may be used as asked, then prepare it.

    Args:
        out: the run folder.
        layout: what the run writes (:data:`WORLD_MODEL`, :data:`EXPERT`, :data:`ROUTER`).
        resume: continue the run in ``out``; it must hold a checkpoint.
        overwrite: start over; the run already in ``out`` (if any) is removed first, except for a
            run whose folder is its checkpoint, which is replaced only when the new one is saved.

    Raises:
        RunFolderError: ``out`` holds a run and neither flag was given; ``resume`` without a
            checkpoint; both flags; ``out`` is not a folder.
    """
    out = Path(out)
    if resume and overwrite:
        raise RunFolderError("--resume and --overwrite exclude each other: pass one of them")
    if out.exists() and not out.is_dir():
        raise RunFolderError(f"{out} is a file, not a run folder; choose a folder for --out")
    held = describe_run(out, layout)
    ckpt = layout.checkpoint_path(out)
    if resume:
        if not layout.resumable:
            raise RunFolderError(f"mwx train {layout.name} cannot resume a run; pass --overwrite to train again")
        if held is None:
            raise RunFolderError(
                f"{out} holds no training run to resume (no {ckpt / 'config.json'}); check the path, "
                "or drop --resume to start a new run"
            )
        if held == NO_CHECKPOINT:
            raise RunFolderError(
                f"{out} holds a training run that stopped before its first checkpoint, so there is nothing "
                "to resume; pass --overwrite to start over"
            )
    elif held is not None:
        if not overwrite:
            if not layout.resumable:
                raise RunFolderError(f"{out} already holds {held}; pass --overwrite to replace it")
            if held == NO_CHECKPOINT:
                raise RunFolderError(
                    f"{out} already holds a training run that stopped before its first checkpoint; "
                    "pass --overwrite to start over"
                )
            raise RunFolderError(
                f"{out} already holds a training run ({held}); pass --resume to continue it or --overwrite "
                "to start over"
            )
        if layout.checkpoint:
            _remove_run(out, layout)
    elif not layout.checkpoint and out.is_dir() and any(out.iterdir()):
        raise RunFolderError(
            f"{out} holds other files but no checkpoint; `mwx train {layout.name}` replaces the whole --out "
            "folder with its checkpoint, so choose a new or empty folder"
        )
    _remove_leftovers(out, layout)


def _shown(options: dict[str, Any], key: str) -> str:
    return repr(options[key]) if key in options else "unset"


def check_same_options(out: str | os.PathLike, stored: Mapping[str, Any] | None, asked: Mapping[str, Any],
                       flags: Mapping[str, str]) -> None:
    """Refuse to resume a run with options that change its task or model.

    Args:
        out: the run folder (for the message).
        stored: the options the run was started with (``None``: unknown, nothing checked).
        asked: the options given now.
        flags: option name -> the command-line flag that sets it, for each option that must
            not change.

    Raises:
        RunFolderError: naming every option that differs with both values.
    """
    if stored is None:
        return

    def norm(v: Any) -> Any:  # tuples and lists compare alike, as they do once stored as JSON
        return json.loads(json.dumps(v, default=list))

    diffs = []
    for key, flag in flags.items():
        if key not in stored:
            continue
        was, now = norm(stored.get(key)), norm(asked.get(key))
        if was == now:
            continue
        if isinstance(was, dict) and isinstance(now, dict):  # KEY=VALUE options: name the keys that differ
            for k in sorted(set(was) | set(now)):
                if was.get(k) != now.get(k):
                    diffs.append(f"{flag} {k}={_shown(was, k)} (asked: {_shown(now, k)})")
        else:
            diffs.append(f"{flag} {was!r} (asked: {now!r})")
    if diffs:
        raise RunFolderError(
            f"cannot resume {out}: it was trained with " + ", ".join(diffs)
            + "; repeat the run's options to resume it, or pass --overwrite to start over"
        )


__all__ = ["EXPERT", "ROUTER", "WORLD_MODEL", "RunFolderError", "RunLayout", "check_same_options",
           "claim_run_folder", "describe_run", "has_checkpoint"]
