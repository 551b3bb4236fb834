"""``mwx run`` prints hostile model and user text literally; ``mwx cache`` shows and clears the cache."""

from __future__ import annotations

import json
import os
import sys
import warnings
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "semantic"))
from loopback import ChatServer

os.environ.setdefault("MUJOCO_GL", "egl")
typer_testing = pytest.importorskip("typer.testing")

SECRET = "test-DO-NOT-LEAK-4242-cli"
HOSTILE_DESC = "[/] step [bold red]one[/] \x1b[2J\x1b]0;pwned\x07\x1b[31mred\x1b[0m"


def _app():
    from mwx_cli.main import app

    return app


def _have_walk_env() -> bool:
    import mwx_sdk

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return any(e.name == "mwx/h1-walk-v0" for e in mwx_sdk.list_envs()) and bool(mwx_sdk.list_experts())


def _run_args(server: ChatServer, instruction: str) -> list[str]:
    return ["run", instruction, "--env", "mwx/h1-walk-v0", "--planner", "direct", "--vlm", "litellm",
            "--model", "openai/test-model", "--api-base", server.api_base,
            "--api-key-env", "MWX_HOSTILE_CLI_KEY", "--experts", "stand,walk", "--steps", "2", "--no-save"]


def test_run_prints_markup_and_escape_codes_literally_and_cache_clear_recovers(tmp_path, monkeypatch):
    pytest.importorskip("litellm", reason="needs the vlm extra")
    # the bundled env and skills ship with mwx-sdk: missing, they are a broken install, not a skip
    assert _have_walk_env(), "mwx/h1-walk-v0 or the bundled skills are not registered: reinstall mwx-sdk"
    monkeypatch.setenv("MWX_CACHE_DIR", str(tmp_path / "mwx"))
    monkeypatch.setenv("MWX_HOSTILE_CLI_KEY", SECRET)
    runner = typer_testing.CliRunner()
    instruction = "walk [/] forward [red]now"  # user text with markup crashed the same way
    with ChatServer() as server:
        server.content = json.dumps(
            {"subgoals": [{"description": HOSTILE_DESC, "scores": {"walk": 1.0, "stand": 0.1},
                           "predicate": None}]}
        )
        for attempt in range(2):  # the second run is served from the cache: it crashed the same way
            res = runner.invoke(_app(), _run_args(server, instruction))
            assert res.exit_code == 0, res.output + repr(res.exception)
            assert len(server.requests) == 1
            out = res.output
            assert "walk [/] forward [red]now" in out
            assert "sub-goal 1: [/] step [bold red]one[/] red -> walk" in out
            assert "\x1b" not in out and "\x07" not in out and "pwned" not in out and SECRET not in out
        assert "ms/step" in out  # the summary table printed too

        info = runner.invoke(_app(), ["cache", "info"])
        assert info.exit_code == 0 and "entries: 1" in info.output
        assert str(tmp_path / "mwx" / "vlm") in info.output
        data = json.loads(runner.invoke(_app(), ["cache", "info", "--json"]).output)
        assert data["entries"] == 1 and data["bytes"] > 0
        for f in (tmp_path / "mwx" / "vlm").iterdir():
            assert SECRET not in f.read_text()

        cleared = runner.invoke(_app(), ["cache", "clear"])
        assert cleared.exit_code == 0 and "removed 1 entry" in cleared.output
        assert json.loads(runner.invoke(_app(), ["cache", "info", "--json"]).output)["entries"] == 0
        res = runner.invoke(_app(), _run_args(server, instruction))
        assert res.exit_code == 0 and len(server.requests) == 2  # asked the model again


def test_cache_clear_removes_only_cache_files(tmp_path):
    from mwx_sdk.semantic.cache import ResponseCache

    cache = ResponseCache(tmp_path)
    cache.put("ab" * 32, "m", "{}")
    cache.put("cd" * 32, "m", "{}")
    (tmp_path / ("." + "ef" * 32 + ".x1y2.tmp.json")).write_text("{")  # an interrupted write
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "settings.json").write_text("{}")
    runner = typer_testing.CliRunner()
    res = runner.invoke(_app(), ["cache", "clear", "--dir", str(tmp_path)])
    assert res.exit_code == 0 and "removed 2 entries" in res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "settings.json"]
    empty = runner.invoke(_app(), ["cache", "clear", "--dir", str(tmp_path / "missing")])
    assert empty.exit_code == 0 and "removed 0 entries" in empty.output
    bad = runner.invoke(_app(), ["cache", "info", "--dir", str(tmp_path / "notes.txt")])
    assert bad.exit_code == 2 and "not a folder" in bad.output and "Traceback" not in bad.output
