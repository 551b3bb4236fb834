"""Embedding mwx in your own program: compose skills from a sentence and drive an env.

Runs offline (the default ``embedding`` backend needs no network) with the ``direct`` planner:

    python examples/embed.py "walk forward then sit on the chair" --steps 50

Or from a TOML agent file (see ``mwx_sdk.config``):

    python examples/embed.py "stand still" --config agent.toml
"""

from __future__ import annotations

import argparse
import os

import numpy as np

import mwx_sdk
from mwx_sdk.config import compose_from_file


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description="Run a composed mwx agent for a few steps.")
    ap.add_argument("instruction", nargs="?", default="walk forward then sit on the chair")
    ap.add_argument("--env", default="mwx/h1-sit_simple-v0")
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--vlm", default="embedding", help="embedding (offline), lexical or litellm")
    ap.add_argument("--config", default=None, help="agent TOML file (replaces --vlm)")
    args = ap.parse_args(argv)
    os.environ.setdefault("MUJOCO_GL", "egl")

    env = mwx_sdk.make_env(args.env)
    if args.config:
        agent = compose_from_file(args.config)
    else:
        experts = [e.name for e in mwx_sdk.list_experts()]
        agent = mwx_sdk.compose(experts=experts, router="fusion", planner="direct", vlm=args.vlm)

    obs, _ = env.reset(seed=0)
    plan = agent.reset(args.instruction, env)
    for i, sg in enumerate(plan.subgoals):
        print(f"sub-goal {i + 1}: {sg.description!r} lead={sg.lead} until={sg.predicate}")

    total = 0.0
    for _ in range(args.steps):
        action = agent.act(obs)
        obs, reward, terminated, truncated, _ = env.step(action)
        total += reward
        if terminated or truncated:
            break
    d = agent.diagnostics
    top = np.argsort(-d.fused_weights)[:3]
    print(f"steps {len(agent.history)}  return {total:.2f}  sub-goal {d.subgoal_index + 1}: {d.subgoal!r}")
    print("top weights: " + ", ".join(f"{agent.expert_names[i]} {d.fused_weights[i]:.2f}" for i in top))
    agent.close()
    env.close()
    return {"steps": len(agent.history), "return": total, "subgoal_index": d.subgoal_index}


if __name__ == "__main__":
    main()
