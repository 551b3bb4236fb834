"""Agent overhead per control step next to the physics time of one control step.

Setup: six experts, router ``fusion``, the plan cached at reset, planner ``direct``, on
``mwx/h1-walk-v0``. Two expert sets are timed in the same run:

- *free experts*: real Expert objects whose ``act`` returns a stored action, with the bundled
  experts' embeddings (so the router does its real work): their time is the agent's own
  overhead (plan lookup, sub-goal logic, routing, blending, planner call, diagnostics);
- *bundled experts*: the installed motion-prior skills, for the end-to-end figure.

Every agent runs through the one episode loop (:func:`mwx_sdk.episode.run_agent_episode`), which
times ``agent.act`` and ``env.step`` apart; the agent's time is its ``act`` alone, after 20
warm-up steps. Physics: ``env.step`` (10 MuJoCo substeps, reward, predicates) with a fixed action.
Target: agent overhead <= 0.3 ms per step. Figures depend on machine load: run it on an idle
machine and compare the columns of one run, not runs with each other.

    python -m bench agent_overhead      or      python bench/agent_overhead.py [--steps 2000]
"""

from __future__ import annotations

import argparse
import os
import warnings

import numpy as np

os.environ.setdefault("MUJOCO_GL", "egl")


def _free_experts(bundled):
    from mwx_sdk.interfaces import Expert

    class FreeExpert(Expert):
        def __init__(self, src, value):
            self.spec = src.spec
            self._emb = src.embedding()
            self._a = np.full(src.spec.action_dim, value)

        def act(self, obs, ctx):
            return self._a

        def embedding(self):
            return self._emb

    return [FreeExpert(e, 0.1 * i - 0.25) for i, e in enumerate(bundled)]


class _StepTimes:
    """Episode callback: the agent's and the env's time per step, after ``warm`` warm-up steps."""

    def __init__(self, warm: int) -> None:
        self.warm, self.n, self.agent_s, self.env_s = warm, 0, 0.0, 0.0

    def on_start(self, env, agent, obs, plan) -> None:
        pass

    def on_step(self, step) -> None:
        if self.warm:
            self.warm -= 1
            return
        self.n += 1
        self.agent_s += step.agent_s
        self.env_s += step.env_s

    def on_end(self, outcome) -> None:
        pass


def _step_times(agent, env, instruction: str, steps: int, warm: int = 0) -> _StepTimes:
    """Run ``agent`` through the one episode loop, episode after episode (seeds 0, 1 ...), until
    ``steps`` steps after the warm-up are timed (a falling robot ends an episode early)."""
    from mwx_sdk.episode import run_agent_episode

    times = _StepTimes(warm)
    seed = 0
    while times.n < steps:
        run_agent_episode(env, agent, instruction, seed=seed, steps=steps - times.n + times.warm, callbacks=[times])
        seed += 1
    return times


class _Hold:
    """An agent sending a fixed action: the physics alone."""

    def reset(self, instruction: str, env, seed: int | None = None) -> None:
        self.action = np.zeros(env.action_space.shape)

    def act(self, obs) -> np.ndarray:
        return self.action


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--quick", action="store_true", help="300 steps")
    ap.add_argument("--env", default="mwx/h1-walk-v0")
    args = ap.parse_args(argv)
    if args.quick:
        args.steps = 300
    warnings.simplefilter("ignore")
    import mwx_sdk
    from mwx_sdk.agent import AgentConfig, compose

    env = mwx_sdk.make_env(args.env)
    bundled = [mwx_sdk.get_expert(e.name) for e in mwx_sdk.list_experts()]
    bundled = [e for e in bundled if e.spec.action_dim == env.action_space.shape[0]][:6]
    if len(bundled) < 6:
        print(f"note: only {len(bundled)} experts installed for this env")
    free = _free_experts(bundled)
    physics = _step_times(_Hold(), env, "stand still", args.steps).env_s / args.steps
    rows = []
    for label, experts, instr, hist in (
        ("agent own, 1 sub-goal", free, "walk forward", True),
        ("agent own, 2 sub-goals (predicate checks)", free, "stand still then walk forward", True),
        ("agent own, no history kept", free, "walk forward", False),
        ("agent + bundled experts", bundled, "walk forward", True),
    ):
        # built as every entry point builds an agent: the env's task beneath the settings here
        agent = compose(experts=experts, router="fusion", planner="direct", vlm="lexical", env=env,
                        config=AgentConfig(keep_history=hist))
        steps = args.steps if experts is free else max(args.steps // 10, 50)
        rows.append((label, _step_times(agent, env, instr, steps, warm=20).agent_s / steps))
    print(f"{'per control step':44s} {'ms':>8s} {'x physics':>10s}")
    print(f"{'physics: env.step (10 substeps + reward)':44s} {physics * 1e3:8.3f} {1.0:10.2f}")
    for label, t in rows:
        print(f"{label:44s} {t * 1e3:8.3f} {t / physics:10.2f}")
    own = rows[0][1] * 1e3
    print(f"\nagent overhead {own:.3f} ms/step (target <= 0.3 ms): {'OK' if own <= 0.3 else 'ABOVE TARGET'}")
    print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
