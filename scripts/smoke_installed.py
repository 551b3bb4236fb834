"""Smoke-test an installed mwx-sdk from outside the source tree (a wheel, the lowest declared
versions, the newest releases): imports, bundled plugins and their package data, real physics,
a composed agent and the console script. Exits non-zero with the first failure.

    cd /tmp && /path/to/venv/bin/python /path/to/scripts/smoke_installed.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("MUJOCO_GL", "egl")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> int:
    import numpy as np

    import mwx_sdk

    source = Path(mwx_sdk.__file__).resolve().parent
    repo = Path(__file__).resolve().parent.parent
    if repo in source.parents:
        print(f"warning: mwx_sdk imported from the source tree ({source}), not an installed copy")
    print(f"mwx_sdk {mwx_sdk.__version__} from {source}")

    experts = sorted(e.name for e in mwx_sdk.list_experts())
    bundled = {"stand", "walk", "run", "sit", "carry", "reach"}
    missing = bundled - set(experts)
    assert not missing, f"bundled experts missing: {sorted(missing)} (registered: {experts})"
    print("experts:", ", ".join(experts))

    env = mwx_sdk.make_env("mwx/h1-walk-v0")
    agent = mwx_sdk.compose(experts=sorted(bundled), router="fusion", planner="direct", vlm="lexical")
    obs, _ = env.reset(seed=1)
    agent.reset("walk forward", env)
    total = 0.0
    for _ in range(20):
        action = agent.act(obs)
        assert np.all(np.isfinite(action)) and action.shape == env.action_space.shape
        obs, reward, terminated, truncated, _ = env.step(action)
        total += float(reward)
        if terminated or truncated:
            break
    env.close()
    assert np.isfinite(total) and total > 0, total
    print(f"walk, 20 composed steps: return {total:.2f}")

    mwx = shutil.which("mwx", path=str(Path(sys.executable).parent))
    assert mwx, "the mwx console script is not installed next to this Python"
    for args in (["--version"], ["--help"], ["skills", "list"]):
        out = subprocess.run([mwx, *args], capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, f"mwx {' '.join(args)} failed ({out.returncode}): {out.stderr[-2000:]}"
    print("mwx --version / --help / skills list: ok")

    # a fresh interpreter that never imports mwx_sdk: the installed start-up hook registers the
    # ids once gymnasium is imported (gymnasium 1.x dropped env entry points), and importing
    # gymnasium does not pull in torch or mujoco
    code = ("import sys, gymnasium as gym; heavy = sorted(m for m in ('torch', 'mujoco') if m in sys.modules); "
            "env = gym.make('mwx/h1-walk-v0'); env.reset(seed=0); env.close(); print(gym.__version__, heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False)
    assert out.returncode == 0, f"gymnasium.make('mwx/h1-walk-v0') in a fresh interpreter failed: {out.stderr[-2000:]}"
    version, heavy = out.stdout.strip().split(" ", 1)
    assert heavy == "[]", f"import gymnasium loaded {heavy}"
    print(f"fresh interpreter, gymnasium {version}: gymnasium.make('mwx/h1-walk-v0') ok")
    print("smoke test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
