"""What the `mwx` command says: help with an example and no markup, ``--json`` that a script can
read, and ``-q`` / ``-v`` that say less or more, on real tiny episodes (direct planner, 3 steps)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
import typer
from mwx_cli._errors import MwxGroup
from mwx_cli.main import app
from typer.testing import CliRunner

try:  # click < 8.2 mixes stderr into result.stdout unless told not to
    runner = CliRunner(mix_stderr=False)
except TypeError:  # click >= 8.2 keeps them apart and dropped the argument
    runner = CliRunner()

# a tiny real episode: no MPPI, no sentence-embedding model, nothing written
RUN = ["run", "walk forward then stand still", "--env", "mwx/h1-walk-v0", "--planner", "direct",
       "--vlm", "lexical", "--experts", "stand,walk", "--steps", "3", "--no-save", "--no-live"]
EVAL = ["eval", "--env", "mwx/h1-walk-v0", "--planner", "direct", "--vlm", "lexical", "--experts", "stand,walk",
        "--steps", "3", "--seeds", "1", "--no-plots"]

_ROLE = re.compile(r":[a-z]+:`")


def _command_paths(command, prefix=()):
    yield prefix
    for name, sub in getattr(command, "commands", {}).items():
        yield from _command_paths(sub, (*prefix, name))


def _ok(result) -> None:
    assert result.exit_code == 0, result.output + repr(result.exception)


# -- help --------------------------------------------------------------------------------------

def test_every_command_and_group_help_has_an_example_and_no_markup():
    root = typer.main.get_command(app)
    paths = list(_command_paths(root))
    assert {(), ("run",), ("eval",), ("eval", "suite"), ("train", "world-model"), ("cache", "clear")} <= set(paths)
    for path in paths:
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        text = " ".join(result.output.split())
        assert "Example: " in text, (path, result.output)
        # the example runs the command it documents
        assert " ".join(("mwx", *path)) in text.split("Example: ", 1)[1], (path, result.output)
        assert "``" not in text and "`" not in text, (path, result.output)
        assert not _ROLE.search(text), (path, result.output)


def test_markup_in_docstrings_options_and_epilogs_is_removed_from_help():
    fresh = typer.Typer(cls=MwxGroup, epilog="Example: ``mwx greet``")

    @fresh.command("greet", epilog="Example: mwx greet --name ``walk``; see :class:`~mwx_sdk.Expert`")
    def greet(name: str = typer.Option("x", help="Whom to greet (a ``name``, see :func:`mwx_sdk.get_expert`).")):
        """Greet a registered ``expert``; see :func:`mwx_sdk.get_expert`."""

    @fresh.command("other")
    def other() -> None:
        """Another command."""

    for args in (["--help"], ["greet", "--help"]):
        text = " ".join(runner.invoke(fresh, args).output.split())
        assert "`" not in text and not _ROLE.search(text), text
    text = " ".join(runner.invoke(fresh, ["greet", "--help"]).output.split())
    assert "Example: mwx greet --name walk; see mwx_sdk.Expert" in text
    assert "a name, see mwx_sdk.get_expert" in text


# -- mwx run -----------------------------------------------------------------------------------

def test_run_json_is_one_object_on_stdout():
    result = runner.invoke(app, [*RUN, "--json"])
    _ok(result)
    data = json.loads(result.stdout)  # nothing but the object: a table or a progress line would break this
    assert data["env_id"] == "mwx/h1-walk-v0" and data["instruction"] == "walk forward then stand still"
    assert data["experts"] == ["stand", "walk"] and data["steps"] == 3 and data["seed"] == 0
    assert isinstance(data["return"], float) and data["success"] is False and isinstance(data["fell"], bool)
    assert data["ms_per_step"] == pytest.approx(data["agent_ms_per_step"] + data["env_ms_per_step"])
    subgoals = data["subgoals"]
    assert [(s["description"], s["lead"], s["predicate"]) for s in subgoals] == [
        ("walk forward", "walk", None), ("stand still", "stand", "standing")]
    assert [s["steps"] for s in subgoals] == [3, 0] and subgoals[0]["return"] == pytest.approx(data["return"])
    assert data["subgoals_reached"] == 1
    assert data["components"]["planner"] == {"name": "direct", "settings": {}}
    assert data["components"]["router"]["name"] == "fusion" and "alpha" in data["components"]["router"]["settings"]
    assert data["files"] == {"video": None, "plot": None, "gif": None}
    # what is said for people goes to stderr
    assert "sub-goal 1: walk forward -> walk" in result.stderr


def test_run_json_lists_the_files_written(tmp_path):
    pytest.importorskip("matplotlib", reason="the weights plot needs the plot extra")
    result = runner.invoke(app, [*RUN, "--plot", str(tmp_path / "w.png"), "--json", "-q"])
    _ok(result)
    data = json.loads(result.stdout)
    assert data["files"]["plot"] == str(tmp_path / "w.png") and (tmp_path / "w.png").is_file()
    assert result.stderr == "", "-q --json says nothing besides the object"


def test_run_quiet_says_one_line_and_verbose_says_more():
    default = runner.invoke(app, RUN)
    quiet = runner.invoke(app, [*RUN, "-q"])
    verbose = runner.invoke(app, [*RUN, "--verbose"])
    for result in (default, quiet, verbose):
        _ok(result)
    assert quiet.output.strip().splitlines() == [quiet.output.strip()]
    assert quiet.output.startswith("mwx/h1-walk-v0: return ") and "sub-goals 1/2" in quiet.output
    assert len(quiet.output) < len(default.output) < len(verbose.output)
    assert "sub-goal 1: walk forward -> walk" in default.output and "sub-goal 1" not in quiet.output
    # verbose: the sub-goals' weights and steps, and every component's resolved settings
    assert "planner direct: (no settings)" in verbose.output and "router fusion: alpha=" in verbose.output
    assert "agent loop: replan_every=" in verbose.output and "weights: walk" in verbose.output
    assert "until" in verbose.output and "standing" in verbose.output  # the sub-goal table
    assert "mwx run" in verbose.output  # and the usual summary table


def test_quiet_and_verbose_together_is_one_line_of_bad_input():
    result = runner.invoke(app, [*RUN, "-q", "-v"])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == "error: --quiet and --verbose exclude each other; give one of them"


# -- mwx eval ----------------------------------------------------------------------------------

def test_eval_json_is_one_object_on_stdout(tmp_path):
    out = tmp_path / "eval"
    result = runner.invoke(app, [*EVAL, "--out", str(out), "--json"])
    _ok(result)
    data = json.loads(result.stdout)
    assert data["env"] == "mwx/h1-walk-v0" and data["seeds"] == [1] and data["steps"] == 3
    assert data["agent"]["experts"] == ["stand", "walk"] and data["agent"]["planner"] == "direct"
    assert len(data["returns"]) == 1 and data["episodes"][0]["seed"] == 1 and data["episodes"][0]["steps"] == 3
    summary = data["summary"]
    assert summary["return_mean"] == pytest.approx(data["returns"][0]) and summary["return_std"] == 0.0
    assert summary["falls"] in (0, 1) and summary["episodes"] == 1
    assert data["out"] == str(out)
    saved = json.loads((out / "results.json").read_text())
    assert saved["episodes"][0]["return"] == pytest.approx(data["returns"][0])
    assert data["files"]["json"] == str(out / "results.json")


def test_eval_quiet_is_one_line_and_verbose_shows_the_resolved_agent(tmp_path):
    quiet = runner.invoke(app, [*EVAL, "--out", str(tmp_path / "q"), "-q"])
    verbose = runner.invoke(app, [*EVAL, "--out", str(tmp_path / "v"), "-v"])
    _ok(quiet)
    _ok(verbose)
    line = quiet.output.strip()
    assert line.splitlines() == [line] and "return" in line and "falls" in line
    assert line.endswith(f"wrote {tmp_path / 'q'}")
    assert "planner: direct" in verbose.output and "seeds: 1 (3 steps each)" in verbose.output
    assert "seed 1: return" in verbose.output and "wrote" in verbose.output


# -- stdout under --json -------------------------------------------------------------------------

def test_stdout_to_stderr_moves_file_descriptor_writes_too():
    """C libraries write to file descriptor 1, not to sys.stdout: under --json that goes to stderr."""
    code = (
        "import os\n"
        "from mwx_cli._output import stdout_to_stderr\n"
        "with stdout_to_stderr():\n"
        "    print('python inside', flush=True)\n"
        "    os.write(1, b'fd inside\\n')\n"
        "print('after')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "after\n"
    assert "python inside" in out.stderr and "fd inside" in out.stderr


@pytest.mark.parametrize("command", [RUN, EVAL])
def test_bad_input_under_json_is_one_error_line_and_no_stdout(command, tmp_path):
    """Regression: mwx eval left its progress bar's last line under the error."""
    args = [*command, "--json"]
    args[args.index("stand,walk")] = "stand,wlak"
    if command is EVAL:
        args += ["--out", str(tmp_path / "eval")]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    # the one line (no progress bar left behind under it) says what to type instead; rich 13.0
    # ends its removed bar with an empty line before it
    err = result.stderr.lstrip("\n")
    assert err.count("\n") == 1, result.stderr
    assert err.startswith("error: no expert named 'wlak' (did you mean 'walk'?)"), result.stderr
    assert not (tmp_path / "eval").exists()
