"""Per-seed table of a `mwx eval suite` output folder: return, steps, success, fell, naturalness.

    python scripts/suite_seeds.py results/push/suite_s0-2
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(folder: str) -> None:
    root = Path(folder) / "episodes"
    for task_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        methods = sorted(p.name for p in task_dir.iterdir() if p.is_dir())
        seeds = sorted({int(f.stem[4:]) for m in methods for f in (task_dir / m).glob("seed*.json")})
        print(f"\n{task_dir.name}\n")
        print("| seed | " + " | ".join(methods) + " |")
        print("|---|" + "---|" * len(methods))
        for s in seeds:
            cells = []
            for m in methods:
                f = task_dir / m / f"seed{s}.json"
                if not f.is_file():
                    cells.append("-")
                    continue
                e = json.loads(f.read_text())
                e = e.get("episode", e)
                flags = ("success" if e.get("success") else "no success") + (", fell" if e.get("fell") else "")
                cells.append(f"{e['return']:.1f} ({e['steps']} steps, {flags}; RMS {e.get('rms_joint_error', float('nan')):.3f} rad, "
                             f"sliding {e.get('foot_sliding', float('nan')):.3f} m/s)")
            print(f"| {s} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1])
