"""Print a pip constraints file that pins every core dependency of mwx-sdk at the lowest
version pyproject.toml declares, so CI can check that the declared lower bounds are honest.

    python scripts/lowest_constraints.py > /tmp/lowest.txt
    CONSTRAINTS=/tmp/lowest.txt EXTRAS=none VENV=.venv-lowest ./scripts/setup.sh

torch is left out: the declared floor's wheels are CUDA builds of several GB, so the lowest
install keeps the CPU build setup.sh installs first (TORCH_VERSION).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

SKIP = {"torch"}


def lowest_pins(pyproject: Path) -> list[str]:
    """``name==floor`` for each core dependency with a ``>=`` floor that applies to this Python."""
    deps = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    pins = []
    for dep in deps:
        requirement, _, marker = dep.partition(";")
        if marker.strip() and not _marker_holds(marker.strip()):
            continue
        m = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*>=\s*([0-9][^,\s]*)\s*(,.*)?", requirement)
        if m is None or m.group(1).lower() in SKIP:
            continue
        pins.append(f"{m.group(1)}=={m.group(2)}")
    return pins


def _marker_holds(marker: str) -> bool:
    m = re.fullmatch(r"python_version\s*(<|>=)\s*'(\d+)\.(\d+)'", marker)
    if m is None:
        return True
    version = (int(m.group(2)), int(m.group(3)))
    return sys.version_info[:2] < version if m.group(1) == "<" else sys.version_info[:2] >= version


if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    print("# The lowest versions pyproject.toml declares (scripts/lowest_constraints.py)")
    print("\n".join(lowest_pins(root / "pyproject.toml")))
