"""Print what a task's default agent does, step by step: the sub-goal, the pelvis, the blend of
experts, the reward and the planner's shaping terms (and, where the task has them, the hand's
distance to its goal and the door's and handle's angles).

    python scripts/trace_episode.py --env mwx/h1-reach-v0 --seed 0 --steps 500 --every 25 \
        [--from 200 --to 400] [--planner-config '{"horizon": 30}']

It composes the agent as ``mwx eval --env ID`` does (the task's composition, the fusion router,
the offline embedding backend, ``mppi`` with the task's settings; ``--planner-config`` overrides
some of them) and runs one episode through the same loop.
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

import mwx_sdk
from mwx_sdk.agent import compose
from mwx_sdk.episode import EpisodeCallback, run_agent_episode
from mwx_sdk.task import task_for_env


class Trace(EpisodeCallback):
    def __init__(self, base, agent, every: int, lo: int, hi: int, hands: bool = False) -> None:
        self.base, self.agent, self.every, self.lo, self.hi, self.hands = base, agent, every, lo, hi, hands

    def on_start(self, env, agent, obs, plan):
        print("plan:", [(s.description, s.target, s.predicate) for s in plan.subgoals])
        print("start:", np.round(self.base.data.qpos[:3], 3).tolist())

    def on_step(self, st):
        k = st.index
        if not ((k % self.every == 0 and self.lo <= k <= self.hi) or st.terminated):
            return
        b, d = self.base, self.agent.diagnostics
        parts = [f"{k:5d}", f"subgoal {self.agent.ctx.subgoal_index}",
                 f"pelvis {np.round(b.data.qpos[:3], 2).tolist()}",
                 f"upright {float(b.data.xmat[b.model.body('pelvis').id][8]):.2f}"]
        goal = getattr(b, "goal", None)
        if goal is not None and np.size(goal) == 3:
            parts.append(f"hand-goal {float(np.linalg.norm(b.q.left_hand_pos(b.data) - goal)):.2f}")
        for name in ("_door", "_hatch"):
            if hasattr(b, name):
                parts.append(f"{name[1:]} {float(b.data.qpos[getattr(b, name)]):.2f}")
        if self.hands:
            q = b.q
            parts.append(f"hands L {np.round(q.left_hand_pos(b.data), 2).tolist()} R {np.round(q.right_hand_pos(b.data), 2).tolist()}")
        # the phase of the experts that work in stages (open: reach, over, turn, pull); a stage
        # that is only a setting (carry's starting segment) is not part of the expert's state
        stages = {e.spec.name: e.stage for e in self.agent.experts
                  if isinstance(getattr(e, "stage", None), str) and "stage" in e.save_state()}
        if stages:
            parts.append(f"stages {stages}")
        parts.append(f"r {st.reward:.2f} return {st.episode_return:.1f}")
        parts.append(str({n: round(float(w), 2) for n, w in zip(self.agent.expert_names, d.blend_weights)}))
        parts.append(str({k2[5:]: round(v, 2) for k2, v in d.planner.items() if k2.startswith("task.")}))
        print("  ".join(parts), flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--env", required=True, help="a task id, e.g. mwx/h1-reach-v0")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--steps", type=int, default=None, help="control steps (default: the full episode)")
    ap.add_argument("--every", type=int, default=20, help="print every N steps")
    ap.add_argument("--from", dest="lo", type=int, default=0, help="first step printed")
    ap.add_argument("--to", dest="hi", type=int, default=10**9, help="last step printed")
    ap.add_argument("--planner-config", default="{}", help="JSON object of mppi settings over the task's")
    ap.add_argument("--hands", action="store_true", help="print where both hands are (m, world frame)")
    args = ap.parse_args(argv)
    try:
        overrides = json.loads(args.planner_config)
    except ValueError:
        overrides = None
    if not isinstance(overrides, dict):
        print(f"--planner-config takes a JSON object such as '{{\"horizon\": 30}}', got {args.planner_config!r}",
              file=sys.stderr)
        return 2
    env = mwx_sdk.make_env(args.env)
    task = task_for_env(env)
    agent = compose(env=env, router="fusion", planner="mppi", vlm="embedding",
                    config={"seed": args.seed, "keep_history": False}, planner_config=overrides or None)
    out = run_agent_episode(env, agent, task.composition.instruction, seed=args.seed, steps=args.steps,
                            callbacks=[Trace(env.unwrapped, agent, args.every, args.lo, args.hi, args.hands)])
    print(f"return {out.episode_return:.1f} over {out.steps} steps; terminated {out.terminated}")
    env.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
