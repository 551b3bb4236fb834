#!/usr/bin/env bash
# The same composition (run, walk, stand with mppi on mwx/h1-run-v0) built through the Python API,
# `mwx run` and `mwx eval`, seeds 0-2, 1000 steps; each door writes its returns here.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=.venv/bin/python
MWX=.venv/bin/mwx
OUT=results/three_doors
for s in 0 1 2; do
  $PY - "$s" > "$OUT/api-s$s.json" <<'PYEOF'
import json, sys
import mwx_sdk
from mwx_sdk.episode import run_agent_episode
seed = int(sys.argv[1])
env = mwx_sdk.make_env("mwx/h1-run-v0")
agent = mwx_sdk.compose(env=env, experts=["run", "walk", "stand"], planner="mppi", config={"seed": seed})
obs, _ = env.reset(seed=seed)
agent.reset("run forward as fast as you can", env)
ret, n, done = 0.0, 0, False
while not done and n < 1000:
    obs, r, term, trunc, _ = env.step(agent.act(obs))
    ret += float(r); n += 1; done = term or trunc
print(json.dumps({"door": "api", "seed": seed, "return": ret, "steps": n}))
PYEOF
  $MWX run "run forward as fast as you can" --env mwx/h1-run-v0 --experts run,walk,stand --planner mppi \
      --steps 1000 --seed "$s" --no-live --no-save --json > "$OUT/run-s$s.json"
  $MWX eval --env mwx/h1-run-v0 --instruction "run forward as fast as you can" --experts run,walk,stand \
      --planner mppi --seeds "$s" --steps 1000 --out "$OUT/eval-s$s" --no-plots --json > "$OUT/eval-s$s.json"
done
