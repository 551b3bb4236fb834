"""`python -m bench all` runs every benchmark the project tracks and prints its figures.

    python -m bench all            # everything (quick settings)
    python -m bench cli_startup    # one benchmark
"""

from __future__ import annotations

import importlib
import sys
import time
import traceback

# Order: cheap first. Each module exposes main(argv) and prints its own table; the arguments
# here are the quick settings (each script's --help gives the full ones).
BENCHMARKS = {
    "cli_startup": [],
    "h1_model": ["--quick"],
    "env_throughput": ["--quick"],
    "agent_overhead": ["--quick"],
    "planner": ["--envs", "stand", "--seeds", "0", "--steps", "200", "--out", "bench_planner_quick.json"],
    "learner": ["--sizes", "1", "5", "--acts", "5", "--updates", "5"],
}


def run(names: list[str]) -> int:
    failed = 0
    for name in names:
        print(f"\n=== bench.{name}")
        t0 = time.perf_counter()
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as exc:
            print(f"(not available: {exc})")
            failed += 1
            continue
        try:
            module.main(BENCHMARKS.get(name, []))
        except SystemExit as exc:
            if exc.code not in (None, 0):
                failed += 1
        except Exception:
            traceback.print_exc()
            failed += 1
        print(f"(bench.{name}: {time.perf_counter() - t0:.1f} s)")
    return failed


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help"}:
        print(__doc__)
        print("benchmarks:", ", ".join(BENCHMARKS))
        return 0
    names = list(BENCHMARKS) if argv[0] == "all" else argv
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
        return 2
    return 1 if run(names) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
