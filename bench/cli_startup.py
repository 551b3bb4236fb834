"""Median wall time of `mwx --help` (a fresh interpreter each run), with plugin discovery.

    python bench/cli_startup.py [--runs 10]

Target: <= 0.5 s. The figure includes Python start-up, typer/rich import and plugin discovery.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time


def measure(runs: int = 10) -> dict:
    exe = shutil.which("mwx")
    cmd = [exe, "--help"] if exe else [sys.executable, "-m", "mwx_cli.main", "--help"]
    subprocess.run(cmd, capture_output=True, check=True)  # warm the file cache
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)
        times.append(time.perf_counter() - t0)
    baseline = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], capture_output=True, check=True)
        baseline.append(time.perf_counter() - t0)
    return {
        "command": " ".join(cmd[:1] + cmd[1:]),
        "runs": runs,
        "median_s": statistics.median(times),
        "min_s": min(times),
        "python_startup_median_s": statistics.median(baseline),
        "target_s": 0.5,
    }


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args(argv)
    r = measure(args.runs)
    print(f"mwx --help: median {r['median_s']*1000:.0f} ms over {r['runs']} runs "
          f"(min {r['min_s']*1000:.0f} ms; bare python start-up {r['python_startup_median_s']*1000:.0f} ms; "
          f"target <= {r['target_s']*1000:.0f} ms)")
    return r


if __name__ == "__main__":
    main()
