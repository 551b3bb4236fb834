"""Write real installed-distribution records (dist-info) for discovery tests."""

from __future__ import annotations

from pathlib import Path


def write_dist_info(root: Path, dist_name: str, entries: dict[str, str], version: str = "0.1") -> Path:
    """Create ``<root>/<name>-<version>.dist-info`` with METADATA and an ``[mwx]`` entry-point table."""
    info = root / f"{dist_name.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist_name}\nVersion: {version}\n")
    lines = "\n".join(f"{k} = {v}" for k, v in entries.items())
    (info / "entry_points.txt").write_text(f"[mwx]\n{lines}\n")
    return info
