"""On-disk cache of backend responses, so a repeated run costs nothing.

One JSON file per key in a cache folder (default ``~/.cache/mwx/vlm``, or ``$MWX_CACHE_DIR/vlm``).
Files are written atomically (temp file in the same folder, then ``os.replace``), so a crash or
two concurrent runs never leave a half-written entry. Entries hold the model name, the key and
the response only: never request headers or API keys. The litellm backend stores the validated
plan (:func:`mwx_sdk.semantic.parsing.plan_to_json`), never a raw reply, and nothing that held a
credential. ``mwx cache info`` and ``mwx cache clear`` show and empty the folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from pathlib import Path
from typing import Any

from ..fileio import atomic_write_text

# 2: entries hold validated plans; version-1 entries (raw replies) are ignored, not replayed
FORMAT_VERSION = 2
MAX_ENTRY_BYTES = 1 << 20
"""Entries larger than this are ignored on read (a plan entry is a few kilobytes)."""


def default_cache_dir() -> Path:
    """The response cache folder: ``$MWX_CACHE_DIR/vlm`` or ``~/.cache/mwx/vlm``."""
    root = os.environ.get("MWX_CACHE_DIR")
    base = Path(root).expanduser() if root else Path.home() / ".cache" / "mwx"
    return base / "vlm"


def cache_key(model: str, messages: Any, image_sha: str | None = None, **params: Any) -> str:
    """A stable hash of everything that determines a response.

    Args:
        model: the model string (``"openai/gpt-4o-mini"``).
        messages: the prompt (any JSON-serialisable structure; images must already be replaced
            by their hash so the key stays small).
        image_sha: SHA-256 of the image bytes, or ``None``.
        **params: sampling parameters that change the answer (temperature, max tokens).

    Returns:
        A hex SHA-256 digest.
    """
    blob = json.dumps(
        {"model": model, "messages": messages, "image": image_sha, "params": params},
        sort_keys=True,
        ensure_ascii=True,
        default=str,
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ResponseCache:
    """A folder of ``<key>.json`` files.

    Args:
        directory: where entries live; created on first write. ``None`` uses
            :func:`default_cache_dir`.
    """

    def __init__(self, directory: str | os.PathLike | None = None) -> None:
        self.directory = Path(directory).expanduser() if directory else default_cache_dir()

    def _path(self, key: str) -> Path:
        if not key or any(c not in "0123456789abcdef" for c in key):
            raise ValueError(f"cache key must be a lowercase hex digest, got {key!r}")
        return self.directory / f"{key}.json"

    def get(self, key: str) -> str | None:
        """The cached response text for ``key``, or ``None`` (also for unreadable entries)."""
        path = self._path(key)
        try:
            if path.stat().st_size > MAX_ENTRY_BYTES:
                return None
            with open(path, encoding="utf-8") as fh:
                entry = json.load(fh)
        except (OSError, ValueError, RecursionError):
            return None
        if not isinstance(entry, dict) or entry.get("version") != FORMAT_VERSION:
            return None
        text = entry.get("response")
        return text if isinstance(text, str) else None

    def put(self, key: str, model: str, response: str) -> Path:
        """Store ``response`` under ``key`` atomically and return the file path."""
        path = self._path(key)
        entry = {
            "version": FORMAT_VERSION,
            "key": key,
            "model": model,
            "created": time.time(),
            "response": response,
        }
        return atomic_write_text(path, json.dumps(entry, ensure_ascii=False))

    def entries(self) -> list[Path]:
        """The entry files (``<hex key>.json``; temporary files of unfinished writes excluded)."""
        if not self.directory.is_dir():
            return []
        return sorted(p for p in self.directory.glob("*.json") if _ENTRY.match(p.name) and p.is_file())

    def info(self) -> dict[str, Any]:
        """``path``, ``entries`` and ``bytes`` of the cache folder."""
        files = self.entries()
        size = 0
        for p in files:
            try:
                size += p.stat().st_size
            except OSError:  # removed by a concurrent clear
                pass
        return {"path": str(self.directory), "entries": len(files), "bytes": size}

    def clear(self) -> tuple[int, int]:
        """Delete every entry (and temporary files left by interrupted writes).

        Only files this cache writes are removed, so pointing it at the wrong folder deletes
        nothing else.

        Returns:
            ``(entries removed, bytes freed)``.
        """
        removed = freed = 0
        if not self.directory.is_dir():
            return 0, 0
        for p in self.directory.iterdir():
            is_entry = bool(_ENTRY.match(p.name))
            if not (is_entry or _TEMP.match(p.name)) or not p.is_file():
                continue
            try:
                size = p.stat().st_size
                p.unlink()
            except FileNotFoundError:  # a concurrent clear got there first
                continue
            freed += size
            removed += is_entry
        return removed, freed

    def __len__(self) -> int:
        return len(self.entries())


_ENTRY = re.compile(r"^[0-9a-f]+\.json$")
_TEMP = re.compile(r"^\.[0-9a-f]+\..*\.tmp\.json$")  # fileio.atomic_path's temporary names
