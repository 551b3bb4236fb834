"""Bad input on the command line and in agent files: one ``error:`` line that says the fix, exit 2.

Every case here printed a traceback (up to 133 lines) before; none needs an episode to run.
"""

from __future__ import annotations

import dataclasses

import pytest
import typer
from mwx_cli._errors import MwxGroup
from mwx_cli.main import app
from typer.testing import CliRunner

from mwx_sdk.config import ConfigError, load_agent_config
from mwx_sdk.plugins import (
    ComponentOptionError,
    UnknownComponentError,
    check_options,
    component_options,
    host,
)

runner = CliRunner()

RUN = ["--steps", "2", "--no-save", "--no-live"]

AGENT_FILES = {
    "typo.toml": '[agent]\nexperts = ["stand", "walk"]\n[router]\nname = "fusion"\nsmoothng = 0.1\n',
    "typos.toml": '[agent]\nexperts = ["stand", "walk"]\n[router]\nname = "fusion"\nsmoothng = 0.1\nalpa = 0.5\n',
    "type.toml": '[agent]\nexperts = ["stand", "walk"]\n[router]\nname = "fusion"\nalpha = "high"\n',
    "planner.toml": '[agent]\nexperts = ["stand"]\n[planner]\nname = "mppi"\nhorizn = 5\n',
    "expert.toml": '[agent]\nexperts = ["stand", "walk"]\n[experts.walk]\nspeeed = 1.0\n',
    "vlm.toml": '[agent]\nexperts = ["stand"]\n[vlm]\nname = "litellm"\nretries = "3"\n',
    "dup.toml": '[agent]\nexperts = ["stand", "walk", "stand"]\n',
    "stray.toml": '[agent]\nexperts = ["stand", "walk"]\n[experts.wlk]\nspeed = 1.0\n',
}


@pytest.fixture
def agent_files(tmp_path):
    for name, text in AGENT_FILES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "latin1.toml").write_bytes('[agent]\nexperts = ["stand"]\n# café\n'.encode("latin-1"))
    return tmp_path


def _one_error_line(result, *needles: str) -> str:
    """The command exited 2 with exactly one ``error:`` line, on stderr, and no traceback."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [ln for ln in result.output.splitlines() if "error:" in ln]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert lines[0] in result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize(
    ("file", "needles"),
    [
        ("typo.toml", ["unknown option 'smoothng' for router 'fusion'; did you mean 'smoothing'?"]),
        ("typos.toml", ["'smoothng' (did you mean 'smoothing'?)", "'alpa' (did you mean 'alpha'?)",
                        "valid options: alpha, checkpoint, feature, reference, smoothing, temperature"]),
        ("type.toml", ["router 'fusion' option 'alpha' must be a number, got 'high'"]),
        ("planner.toml", ["unknown option 'horizn' for planner 'mppi'; did you mean 'horizon'?"]),
        ("expert.toml", ["unknown option 'speeed' for expert 'walk'; did you mean 'speed'?"]),
        ("vlm.toml", ["vlm backend 'litellm' option 'retries' must be an integer, got '3'"]),
        ("dup.toml", ["[agent] experts lists 'stand' more than once; list each expert once"]),
        ("stray.toml", ["[experts.wlk]", "did you mean [experts.walk]?"]),
        ("latin1.toml", ["is not UTF-8 text", "save it as UTF-8"]),
    ],
)
@pytest.mark.parametrize("command", ["run", "eval"])
def test_bad_agent_file_is_one_line(agent_files, file, needles, command, tmp_path):
    path = agent_files / file
    if command == "run":
        args = ["run", "walk forward", "--config", str(path), *RUN]
    else:
        args = ["eval", "--env", "mwx/h1-walk-v0", "--agent", str(path), "--steps", "2", "--no-plots",
                "--out", str(tmp_path / "eval")]
    line = _one_error_line(runner.invoke(app, args), *needles)
    assert str(path) in line, "the error names the file"


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["run", "walk", "--env", "CartPole-v1", *RUN], ["'CartPole-v1' is not an H1 task", "mwx plugins"]),
        (["run", "", *RUN], ["instruction is empty", 'mwx run "walk forward"']),
        (["run", "   ", *RUN], ["instruction is empty"]),
        (["run", "walk", "--experts", "stand,stand", *RUN], ["'stand'", "list each expert once"]),
        (["eval", "--env", "CartPole-v1", "--experts", "stand"], ["'CartPole-v1' is not an H1 task"]),
        (["eval", "--env", "mwx/h1-walk-v0", "--experts", "stand", "-i", ""], ["instruction is empty"]),
        (["eval", "--env", "mwx/h1-walk-v0", "--experts", "stand,stand"], ["'stand'", "list each expert once"]),
    ],
)
def test_bad_command_line_is_one_line(args, needles, tmp_path):
    if args[0] == "eval":
        args = [*args, "--steps", "2", "--no-plots", "--out", str(tmp_path / "eval")]
    _one_error_line(runner.invoke(app, args), *needles)
    assert not (tmp_path / "eval").exists(), "nothing is written for rejected input"


# -- one place for every command --------------------------------------------------------------

def test_a_new_command_gets_one_line_errors_and_plain_help_for_free():
    """The root group handles input errors and help markup for any command added to it."""
    fresh = typer.Typer(cls=MwxGroup)

    @fresh.command("greet")
    def greet(name: str = typer.Option("x", help="Whom to greet (a ``name``).")) -> None:
        """Greet a registered ``expert``; see :func:`mwx_sdk.get_expert`."""
        host().entry("expert", name)

    @fresh.command("other")
    def other() -> None:
        """Another command."""

    result = runner.invoke(fresh, ["greet", "--name", "wlak"])
    _one_error_line(result, "no expert named 'wlak' (did you mean 'walk'?)")
    help_text = runner.invoke(fresh, ["greet", "--help"]).output
    assert "``" not in help_text and ":func:" not in help_text
    assert "Greet a registered expert; see mwx_sdk.get_expert." in " ".join(help_text.split())


def test_bugs_keep_their_traceback():
    fresh = typer.Typer(cls=MwxGroup)

    @fresh.command("boom")
    def boom() -> None:
        """Fail with a bug."""
        raise ZeroDivisionError("a bug")

    @fresh.command("other")
    def other() -> None:
        """Another command."""

    result = runner.invoke(fresh, ["boom"])
    assert isinstance(result.exception, ZeroDivisionError)


# -- help text --------------------------------------------------------------------------------

def _command_paths(command, prefix=()):
    yield prefix
    for name, sub in getattr(command, "commands", {}).items():
        yield from _command_paths(sub, (*prefix, name))


def test_help_has_no_restructuredtext_markup():
    root = typer.main.get_command(app)
    paths = list(_command_paths(root))
    assert ("plugins",) in paths and ("skills",) in paths and ("eval", "suite") in paths
    for path in paths:
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "``" not in result.output, (path, result.output)
        assert ":func:" not in result.output and ":class:" not in result.output, path
    text = " ".join(runner.invoke(app, ["--help"]).output.split())
    assert "plugins List the plugins found in the mwx entry-point group" in text


# -- the checks behind the messages ------------------------------------------------------------

def test_every_bundled_component_has_known_options():
    """The constructor reading follows every bundled component's ``**kwargs`` to its config class."""
    h = host()
    for kind in ("expert", "router", "planner", "vlm_backend"):
        for entry in h.entries(kind):
            if not entry.bundled:
                continue
            assert component_options(entry.obj) is not None, (kind, entry.name)
    assert {"alpha", "smoothing"} <= set(component_options(h.entry("router", "fusion").obj))
    assert {"horizon", "num_samples", "task"} <= set(component_options(h.entry("planner", "mppi").obj))
    assert {"speed", "style", "blend_in"} <= set(component_options(h.entry("expert", "walk").obj))


class _Toy:
    """A component with typed options (a real class, as a plugin would register)."""

    def __init__(self, steps: int = 1, gain: float = 1.0, on: bool = True, label: str | None = None,
                 names: tuple[str, ...] = ()) -> None:
        self.steps = steps


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"steps": 1.5}, "toy 'x' option 'steps' must be an integer, got 1.5"),
        ({"steps": True}, "toy 'x' option 'steps' must be an integer, got True"),
        ({"gain": "high"}, "toy 'x' option 'gain' must be a number, got 'high'"),
        ({"on": 1}, "toy 'x' option 'on' must be true or false, got 1"),
        ({"label": 3}, "toy 'x' option 'label' must be a string, got 3"),
        ({"names": "a"}, "toy 'x' option 'names' must be a list, got 'a'"),
        ({"stesp": 2}, "unknown option 'stesp' for toy 'x'; did you mean 'steps'?"),
        ({"zzz": 2}, "unknown option 'zzz' for toy 'x'; valid options: gain, label, names, on, steps"),
    ],
)
def test_check_options_messages(options, message):
    with pytest.raises(ComponentOptionError) as info:
        check_options(_Toy, options, "toy 'x'")
    assert str(info.value) == message


def test_check_options_accepts_what_fits():
    check_options(_Toy, {"steps": 3, "gain": 2, "on": False, "label": None, "names": ["a", "b"]}, "toy 'x'")


def test_option_errors_stay_type_and_value_errors():
    """Callers that caught the constructor's TypeError or ValueError still do."""
    import mwx_sdk

    with pytest.raises(TypeError, match="did you mean 'smoothing'"):
        mwx_sdk.compose(["stand"], router_config={"smoothng": 1.0})
    with pytest.raises(ValueError, match=r"alpha must be in \[0, 1\]"):
        mwx_sdk.get_router("fusion", alpha=1.5)
    with pytest.raises(UnknownComponentError):
        mwx_sdk.get_router("fusoin")


def test_non_utf8_agent_file_names_the_file(tmp_path):
    path = tmp_path / "agent.toml"
    path.write_bytes(b'[agent]\nexperts = ["stand"]\n# \xff\n')
    with pytest.raises(ConfigError, match=r"agent\.toml is not UTF-8 text \(byte 0xff"):
        load_agent_config(path)


def _toy_config(cfg: dict) -> object:
    return _ToyConfig(**cfg)


@dataclasses.dataclass
class _ToyConfig:
    rate: float = 1.0


class _Opaque:
    """Builds its config through a module function the constructor reading does not follow."""

    def __init__(self, **cfg) -> None:
        self.config = _toy_config(cfg)


class _Declared(_Opaque):
    """The same, with its options declared."""

    config_class = _ToyConfig

    def __init__(self, **cfg) -> None:
        self.config = _toy_config(cfg)


def test_config_class_declares_the_options_of_an_opaque_constructor():
    assert component_options(_Opaque) is None  # open-ended: only the constructor's own error
    check_options(_Opaque, {"rtae": 2.0}, "toy 'x'")
    assert set(component_options(_Declared)) == {"rate"}
    with pytest.raises(ComponentOptionError, match="unknown option 'rtae' for toy 'x'; did you mean 'rate'"):
        check_options(_Declared, {"rtae": 2.0}, "toy 'x'")
