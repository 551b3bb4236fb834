"""The `mwx` command line: start-up stays light, core commands work, plugins show up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from _dists import write_dist_info
from typer.testing import CliRunner

from mwx_cli.main import app

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip().startswith("mwx 0.")


def test_help_does_not_import_torch_or_mujoco():
    code = (
        "import sys\n"
        "from mwx_cli.main import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('HEAVY=' + ','.join(m for m in ('torch', 'mujoco', 'gymnasium', 'litellm', 'sentence_transformers') "
        "if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "HEAVY=\n" in out.stdout or out.stdout.rstrip().endswith("HEAVY="), out.stdout[-400:]


def test_plugins_json_lists_bundled():
    result = runner.invoke(app, ["plugins", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"plugins", "components", "problems"} <= set(data)
    assert any(p["bundled"] for p in data["plugins"])


def test_plugins_table():
    result = runner.invoke(app, ["plugins"])
    assert result.exit_code == 0, result.output
    assert "mwx plugins" in result.output


def test_skills_show_unknown_is_clear():
    result = runner.invoke(app, ["skills", "show", "no-such-skill"])
    assert result.exit_code == 2
    assert "no expert named 'no-such-skill'" in result.output


def test_doctor_json_without_gl():
    result = runner.invoke(app, ["doctor", "--json", "--no-gl"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    checks = {r["check"]: r for r in rows}
    assert checks["mujoco"]["ok"] and checks["torch"]["ok"]
    for r in rows:
        assert r["ok"] or r["fix"], f"a failing check must say how to fix it: {r}"


@pytest.fixture(scope="module")
def example_plugin_site(tmp_path_factory):
    """Install examples/mwx-skill-example for real with pip, into an isolated target folder."""
    target = tmp_path_factory.mktemp("site")
    cmd = [
        sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
        "--target", str(target), str(REPO / "examples" / "mwx-skill-example"),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return target


def _run_with(site: Path, code: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(site) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)


def test_installed_example_plugin_is_discovered(example_plugin_site):
    out = _run_with(
        example_plugin_site,
        "from mwx_cli.main import main\nmain(['skills', 'list', '--json'])\n",
    )
    assert out.returncode == 0, out.stderr[-2000:]
    rows = {r["name"]: r for r in json.loads(out.stdout)}
    assert rows["wave"]["distribution"] == "mwx-skill-example"
    assert rows["wave"]["bundled"] is False
    assert rows["wave"]["plugin"] == "wave"


def test_installed_example_plugin_builds_and_acts(example_plugin_site):
    code = (
        "import numpy as np, mwx_sdk\n"
        "from mwx_sdk.interfaces import StepContext\n"
        "e = mwx_sdk.get_expert('wave', frequency=2.0)\n"
        "a = e.act(np.zeros(51), StepContext(step=5))\n"
        "assert a.shape == (19,) and np.all(np.abs(a) <= 1), a\n"
        "print(type(e).__module__, e.frequency)\n"
    )
    out = _run_with(example_plugin_site, code)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "mwx_skill_example 2.0"


def test_broken_third_party_plugin_does_not_stop_cli(tmp_path):
    """A distribution whose entry point cannot import: `mwx plugins` still lists the rest."""
    write_dist_info(tmp_path, "broken-plugin", {"broken": "not_a_module_anywhere"})
    out = _run_with(tmp_path, "from mwx_cli.main import main\nmain(['plugins', '--json'])\n")
    assert out.returncode == 0, out.stderr[-2000:]
    data = json.loads(out.stdout)
    broken = [p for p in data["plugins"] if p["name"] == "broken"][0]
    assert broken["loaded"] is False and "No module named 'not_a_module_anywhere'" in broken["error"]
    assert any(p["bundled"] and p["loaded"] for p in data["plugins"])


def test_skills_show_video_errors_are_clear(tmp_path):
    result = runner.invoke(app, ["skills", "show", "stand", "--video", str(tmp_path / "stand.gif")])
    assert result.exit_code == 1, result.output
    assert "video path must end in .mp4" in result.output
    assert not (tmp_path / "stand.gif").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "walk", "--experts", "no-such-skill", "--steps", "2", "--no-save", "--no-live"],
         "no expert named 'no-such-skill'"),
        (["run", "walk", "--env", "mwx/h1-nosuch-v0", "--steps", "2", "--no-save", "--no-live"],
         "no environment 'mwx/h1-nosuch-v0'"),
        (["eval", "--env", "mwx/h1-nosuch-v0", "--experts", "walk", "--steps", "2", "--no-plots"],
         "no environment 'mwx/h1-nosuch-v0'"),
    ],
)
def test_unknown_names_exit_with_one_line(args, message, tmp_path):
    if args[0] == "eval":
        args = [*args, "--out", str(tmp_path / "eval")]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert f"error: {message}" in result.output
    assert "Traceback" not in result.output


def test_third_party_commands_and_reserved_names(tmp_path):
    """A plugin's register_commands adds a command; a third-party entry point may not take a
    bundled plugin's name."""
    (tmp_path / "hello_plugin.py").write_text(
        "from mwx_sdk import hookimpl\n\n"
        "@hookimpl\n"
        "def register_commands(app):\n"
        "    @app.command('hello')\n"
        "    def hello():\n"
        "        print('hello from a plugin')\n"
    )
    write_dist_info(tmp_path, "hello-plugin", {"hello": "hello_plugin", "walk": "hello_plugin"})
    out = _run_with(tmp_path, "from mwx_cli.main import main\nmain(['hello'])\n")
    assert out.returncode == 0, out.stderr[-2000:]
    assert "hello from a plugin" in out.stdout
    out = _run_with(tmp_path, "from mwx_cli.main import main\nmain(['plugins', '--json'])\n")
    data = json.loads(out.stdout)
    walk = [p for p in data["plugins"] if p["name"] == "walk"]
    assert len(walk) == 1 and walk[0]["distribution"] == "mwx-sdk" and walk[0]["loaded"], walk
    assert any("plugin name 'walk' is already used by distribution 'mwx-sdk'" in p for p in data["problems"])
