"""TOML agent configs and the embedding example."""

from __future__ import annotations

import runpy
import warnings
from pathlib import Path

import pytest

from mwx_sdk.agent import AgentConfig
from mwx_sdk.config import ConfigError, compose_from_file, load_agent_config, parse_agent_config

ROOT = Path(__file__).resolve().parents[2]


def _write(tmp_path, text):
    p = tmp_path / "agent.toml"
    p.write_text(text)
    return p


def test_load_full_config(tmp_path):
    p = _write(
        tmp_path,
        """
[agent]
experts = ["stand", "walk"]
robot = "h1"
replan_every = 50
min_subgoal_steps = 10

[router]
name = "fusion"
alpha = 0.6

[planner]
name = "direct"

[vlm]
name = "lexical"
tau = 0.2

[experts.walk]
speed = 1.2
""",
    )
    cfg = load_agent_config(p)
    assert cfg.experts == ["stand", "walk"] and cfg.robot == "h1"
    assert cfg.agent == {"replan_every": 50, "min_subgoal_steps": 10}
    assert cfg.router == ("fusion", {"alpha": 0.6})
    assert cfg.vlm == ("lexical", {"tau": 0.2})
    assert cfg.expert_options == {"walk": {"speed": 1.2}}


def test_compose_from_file_with_registered_components(tmp_path):
    p = _write(tmp_path, '[router]\nname = "state"\n[planner]\nname = "direct"\n[vlm]\nname = "lexical"\n[agent]\nseed = 3\n')
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import mwx_sdk

        if not mwx_sdk.list_experts():
            pytest.skip("no experts installed")
        agent = compose_from_file(p)
    assert agent.router.alpha == 0.0 and agent.config.seed == 3 and agent.vlm.name == "lexical"


def _run_agent_from_file(path, options, seed):
    """``mwx run``'s agent of an agent file (skips when the bundled run skill is missing)."""
    from mwx_cli.run import agent_from_file

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import mwx_sdk

        if "run" not in [e.name for e in mwx_sdk.list_experts()]:
            pytest.skip("the bundled run skill is not installed")
        return agent_from_file(path, options, seed)


def test_shipped_run_agent_file_composes_the_smoothed_router():
    from mwx_sdk.task import get_task

    p = ROOT / "examples" / "agent_run.toml"
    cfg = load_agent_config(p)
    assert cfg.router == ("fusion", {"smoothing": 1.0}) and cfg.planner[0] == "mppi"
    agent = _run_agent_from_file(p, {k: dict(v) for k, v in get_task("run").composition.expert_options.items()}, seed=2)
    assert agent.router.config.smoothing == 1.0 and agent.config.seed == 2
    # the run task's 5 m/s reaches the file's agent, as `mwx run --env mwx/h1-run-v0` passes it
    assert agent.experts[agent.expert_names.index("run")].target_speed == 5.0


def test_agent_file_settings_win_over_the_task_and_seed(tmp_path):
    p = _write(tmp_path, '[agent]\nexperts = ["run"]\nseed = 7\n[experts.run]\nspeed = 2.0\n')
    agent = _run_agent_from_file(p, {"run": {"speed": 5.0, "heading": 0.5}}, seed=1)
    run = agent.experts[0]
    assert agent.config.seed == 7 and run.target_speed == 2.0 and run.config.heading == 0.5


@pytest.mark.parametrize(
    "text, match",
    [
        ("[agnet]\nseed = 1\n", r"unknown key\(s\) \['agnet'\].*did you mean 'agent'"),
        ("[agent]\nreplan_evry = 5\n", r"did you mean 'replan_every'"),
        ("[agent]\nreplan_every = -1\n", "replan_every must be >= 0"),
        ("[agent]\nexperts = \"walk\"\n", "list of expert names"),
        ("[router]\nname = 3\n", "router name"),
        ("[experts]\nwalk = 1\n", r"\[experts.<name>\]"),
        ("[agent\n", "not valid TOML"),
    ],
)
def test_config_errors(tmp_path, text, match):
    with pytest.raises(ConfigError, match=match):
        load_agent_config(_write(tmp_path, text))


def test_unknown_component_option_is_reported(tmp_path):
    p = _write(tmp_path, '[router]\nname = "fusion"\nalpah = 0.5\n[vlm]\nname = "lexical"\n[agent]\nexperts = []\n')
    with pytest.raises(Exception, match="alpah"):
        compose_from_file(p)


def test_defaults():
    cfg = parse_agent_config({})
    # no [planner] name: the task's planner where the env's task is known, direct otherwise
    assert cfg.router[0] == "fusion" and cfg.planner[0] is None and cfg.vlm[0] == "embedding"
    assert AgentConfig(**cfg.agent) == AgentConfig()
    with pytest.raises(FileNotFoundError):
        load_agent_config("/nonexistent/agent.toml")


def test_embed_example_runs_offline():
    import mwx_sdk

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if not any(e.name == "mwx/h1-sit_simple-v0" for e in mwx_sdk.list_envs()) or not mwx_sdk.list_experts():
            pytest.skip("bundled envs or skills not installed")
        mod = runpy.run_path(str(ROOT / "examples" / "embed.py"))
        out = mod["main"](["walk to the chair and sit down", "--steps", "5", "--vlm", "lexical"])
    assert out["steps"] == 5
