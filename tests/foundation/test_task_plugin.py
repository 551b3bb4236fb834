"""A third-party task (examples/mwx-task-example, installed for real) gets a bundled task's treatment:
its id, its composition, its mppi objective, and a place in ``mwx plugins``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "mwx-task-example"
ENV_ID = "example/h1-walk_backward-v0"


@pytest.fixture(scope="module")
def task_plugin_site(tmp_path_factory):
    """pip-install a copy of examples/mwx-task-example into an isolated target folder."""
    root = tmp_path_factory.mktemp("task-plugin")
    # a copy, so the in-tree build leaves nothing in the repository
    src = shutil.copytree(EXAMPLE, root / "src", ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    target = root / "site"
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
           "--target", str(target), str(src)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    return target


def _run_with(site: Path, code: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(site) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               MWX_STRICT_PLUGINS="1", MUJOCO_GL=os.environ.get("MUJOCO_GL", "egl"))
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env,
                          timeout=300, check=False, cwd=site.parent)


_SDK_CHECKS = r"""
import json, sys
import numpy as np
import gymnasium
import mwx_sdk
from mwx_sdk.interfaces import StepContext
from mwx_sdk.planning import objective as obj, sim
from mwx_sdk.plugins import host
from mwx_sdk.task import builtin_tasks, get_task, list_tasks, task_for_env

ENV_ID = sys.argv[1]
out = {}
task = get_task("walk_backward")
out["by_id"] = get_task(ENV_ID) is task
out["env_id"] = task.env_id
names, bundled = [t.name for t in list_tasks()], [t.name for t in builtin_tasks()]
out["listed_after_bundled"] = names[:len(bundled)] == bundled and "walk_backward" in names[len(bundled):]
entry = host().registry["task"]["walk_backward"]
out["task_provider"] = [entry.distribution, entry.bundled]

env = mwx_sdk.make_env(ENV_ID)
base = env.unwrapped
out["env_class"] = type(base).__module__ + ":" + type(base).__name__
out["env_file"] = sys.modules[type(base).__module__].__file__
out["max_episode_steps"] = env.spec.max_episode_steps
out["scene"] = base.model_path.name
out["task_for_env"] = task_for_env(env) is task
obs, _ = env.reset(seed=0)

planner = mwx_sdk.get_planner("mppi", num_samples=8, horizon=5, threads=1)
ctx = StepContext(env=base, dt=base.dt, rng=np.random.default_rng(0))
planner.reset(env, ctx)  # the task is read from the (wrapped) env
cfg = planner.config
out["planner"] = {"task": cfg.task, "target_speed": cfg.target_speed, "heading_weight": cfg.heading_weight,
                  "num_samples": cfg.num_samples, "horizon": cfg.horizon,
                  "reward_fn": planner.adapter.fn.__module__ + "." + planner.adapter.fn.__qualname__}
a_ref = np.clip(sim.ctrl_to_action(base.data.ctrl.copy(), base.model.actuator_ctrlrange), -1, 1)
steps = []
for t in range(3):
    ctx.step = t
    a = planner.plan(obs, a_ref, ctx)
    obs, r, terminated, _, info = env.step(a)
    steps.append({"in_range": bool(np.all(np.abs(a) <= 1)), "reward": float(r), "move": float(info["move"]),
                  "terminated": terminated, "planner_reward_shape": list(planner.last_reward.shape),
                  "finite": bool(np.all(np.isfinite(planner.last_reward)))})
out["steps"] = steps
planner.close()

# with the env's own physics, the planner's reward of a rollout is the env's reward
exact = mwx_sdk.get_planner("mppi", num_samples=2, horizon=1, num_knots=2, threads=1, planner_timestep=None,
                            integrator=None, solver_iterations=None, ls_iterations=None, self_collision=True)
exact.reset(env, ctx)
a = np.clip(np.random.default_rng(0).normal(0.0, 0.1, base.model.nu), -1, 1)
x0, warm = sim.get_state(base.model, base.data)
ctrl = np.repeat(sim.action_to_ctrl(a[None, None], base.model.actuator_ctrlrange), exact.substeps, axis=1)
state, sens = exact._roller.run(x0, warm, ctrl)
q = obj.quantities(sens[:, -1:], state[:, -1:], exact.layout)
r_plan = exact.adapter.reward(q, exact.adapter.read_constants(base))
_, r_env, *_ = env.step(a)
out["reward_match"] = [float(r_plan[0, 0]), float(r_env)]
exact.close()

agent = mwx_sdk.compose(env=env, vlm="lexical")
agent.reset("walk backward", env)  # the planner reads its task from the env here
out["composed"] = {"experts": list(agent.expert_names), "planner": agent.planner.name,
                   "planner_task": agent.planner.config.task}
agent.close()
env.close()
print("RESULT=" + json.dumps(out))
"""


@pytest.fixture(scope="module")
def sdk_checks(task_plugin_site):
    out = _run_with(task_plugin_site, _SDK_CHECKS, ENV_ID)
    assert out.returncode == 0, out.stderr[-3000:]
    line = [ln for ln in out.stdout.splitlines() if ln.startswith("RESULT=")]
    assert line, out.stdout[-2000:]
    return json.loads(line[-1][len("RESULT="):])


def test_task_is_found_by_name_and_id(sdk_checks):
    assert sdk_checks["by_id"] is True
    assert sdk_checks["env_id"] == ENV_ID
    assert sdk_checks["listed_after_bundled"] is True  # bundled tasks first, then the plugins'
    assert sdk_checks["task_provider"] == ["mwx-task-example", False]


def test_make_env_builds_the_installed_env(sdk_checks, task_plugin_site):
    assert sdk_checks["env_class"] == "mwx_task_example.env:WalkBackwardEnv"
    assert Path(sdk_checks["env_file"]).is_relative_to(task_plugin_site)  # the installed copy
    assert sdk_checks["max_episode_steps"] == 1000  # from the Task
    assert sdk_checks["scene"] == "h1_mesh_walk.xml"  # the env passes the bundled walk scene
    assert sdk_checks["task_for_env"] is True


def test_mppi_plans_with_the_plugin_objective(sdk_checks):
    p = sdk_checks["planner"]
    assert p["task"] == "walk_backward"
    # defaults only this task sets (no bundled task aims backwards), under the caller's own options
    assert p["target_speed"] == -0.7 and p["heading_weight"] == 2.0
    assert (p["num_samples"], p["horizon"]) == (8, 5)
    assert p["reward_fn"] == "mwx_task_example.rewards.walk_backward_reward"
    for step in sdk_checks["steps"]:
        assert step["in_range"] and step["finite"] and not step["terminated"], step
        assert step["planner_reward_shape"] == [8, 5]
        assert 0.0 < step["reward"] <= 1.0 and 1 / 6 - 1e-9 <= step["move"] <= 1.0, step


def test_planner_reward_is_the_env_reward(sdk_checks):
    r_plan, r_env = sdk_checks["reward_match"]
    assert r_plan == pytest.approx(r_env, rel=1e-6, abs=1e-6)


def test_compose_takes_the_task_composition(sdk_checks):
    assert sdk_checks["composed"] == {"experts": ["stand", "walk"], "planner": "mppi", "planner_task": "walk_backward"}


def test_mwx_plugins_lists_the_task(task_plugin_site):
    out = _run_with(task_plugin_site, "from mwx_cli.main import main\nmain(['plugins', '--json'])\n")
    assert out.returncode == 0, out.stderr[-2000:]
    data = json.loads(out.stdout)
    assert data["problems"] == []
    plugin = next(p for p in data["plugins"] if p["name"] == "walk_backward")
    assert plugin["distribution"] == "mwx-task-example" and plugin["loaded"] and plugin["error"] is None
    assert plugin["components"] == ["task:walk_backward", f"env:{ENV_ID}"]
    envs = {c["name"]: c for c in data["components"] if c["kind"] == "env"}
    assert envs[ENV_ID]["distribution"] == "mwx-task-example"


def test_discovery_stays_light(task_plugin_site):
    """The plugin module is imported by ``mwx --help``; it must not pull in gymnasium or mujoco."""
    code = (
        "import sys\n"
        "from mwx_cli.main import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('HEAVY=' + ','.join(m for m in ('torch', 'mujoco', 'gymnasium', 'numpy') if m in sys.modules))\n"
        "print('LOADED=' + str('mwx_task_example' in sys.modules))\n"
    )
    out = _run_with(task_plugin_site, code)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "HEAVY=\n" in out.stdout, out.stdout[-400:]
    assert "LOADED=True" in out.stdout, out.stdout[-400:]
