"""Small real classes for the evaluation tests: a scripted two-expert agent on the real H1 env.

The agent follows the agent contract the evaluator relies on (``reset(instruction, env)``,
``act(obs)``, ``diagnostics``, ``experts``, ``ctx``) without composing plugins, so the
evaluator is tested on its own; the env is the project's real MuJoCo H1 task.
"""

from __future__ import annotations

import numpy as np

from mwx_sdk.interfaces import Expert, ExpertSpec, StepContext, StepDiagnostics


def make_h1(task: str = "stand", **kwargs):
    """The real ``mwx/h1-<task>-v0`` env, registered with gymnasium directly."""
    import gymnasium

    from mwx_sdk.envs.registration import register_builtin_envs

    register_builtin_envs()
    return gymnasium.make(f"mwx/h1-{task}-v0", **kwargs)


def _keyframe_action(env) -> tuple[np.ndarray, np.ndarray]:
    """Action that targets the keyframe pose with the position actuators, and that pose."""
    m = env.unwrapped.model
    joints = m.key_qpos[0][m.jnt_qposadr[m.actuator_trnid[:, 0]]]
    lo, hi = m.actuator_ctrlrange[:, 0], m.actuator_ctrlrange[:, 1]
    return np.clip(2.0 * (joints - lo) / (hi - lo) - 1.0, -1.0, 1.0), joints.copy()


class PoseExpert(Expert):
    """Holds the keyframe pose, optionally swaying the arms; its prior is the keyframe pose."""

    def __init__(self, name: str, sway: float = 0.0) -> None:
        self.spec = ExpertSpec(name=name, description=f"{name} the body", robot="h1", action_dim=19)
        self.sway = sway
        self.hold = np.zeros(19)
        self.pose = np.zeros(19)

    def reset(self, ctx: StepContext) -> None:
        self.hold, self.pose = _keyframe_action(ctx.env)

    def act(self, obs: np.ndarray, ctx: StepContext) -> np.ndarray:
        a = self.hold.copy()
        a[11:] += self.sway * np.sin(0.2 * ctx.step)
        return np.clip(a, -1.0, 1.0)

    def reference_qpos(self, ctx: StepContext) -> np.ndarray:
        return self.pose


class ScriptedAgent:
    """Fuses two experts with a time-varying weight and adds seeded noise (planner: direct)."""

    def __init__(self, seed: int = 0, noise: float = 0.02) -> None:
        self.experts = [PoseExpert("hold"), PoseExpert("sway", sway=0.3)]
        self.seed = seed
        self.noise = noise
        self.ctx = StepContext()
        self.diagnostics: StepDiagnostics | None = None

    def reset(self, instruction: str, env) -> None:
        self.ctx = StepContext(instruction=instruction, env=env.unwrapped, rng=np.random.default_rng(self.seed))
        for e in self.experts:
            e.reset(self.ctx)

    def act(self, obs: np.ndarray) -> np.ndarray:
        s = 0.5 + 0.5 * np.sin(0.05 * self.ctx.step)
        w = np.array([1.0 - s, s])
        a_ref = sum(wi * e.act(obs, self.ctx) for wi, e in zip(w, self.experts))
        action = np.clip(a_ref + self.ctx.rng.normal(0.0, self.noise, a_ref.shape), -1.0, 1.0)
        self.diagnostics = StepDiagnostics(
            step=self.ctx.step, subgoal_index=0, semantic_weights=np.array([0.5, 0.5]), state_weights=w,
            fused_weights=w, a_ref=a_ref, action=action, planner={}, subgoal=self.ctx.instruction)
        self.ctx.step += 1
        return action


def scripted_agent(seed: int = 0) -> ScriptedAgent:
    """Agent factory for ``AgentSpec(factory="eval_fakes:scripted_agent")``."""
    return ScriptedAgent(seed=seed)


def broken_agent(seed: int = 0):
    """Agent factory that fails, as a method that cannot run a task does."""
    raise RuntimeError("this agent cannot be built")
