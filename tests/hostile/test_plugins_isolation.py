"""Hostile plugins: one that exits, one that takes over built-in commands, and strict mode.

The plugins are real installed distributions (dist-info records with an ``[mwx]`` entry-point
table, as pip writes them) and the command line runs in a child process, as ``mwx`` would.
"""

from __future__ import annotations

import importlib.metadata as md
import json
import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from mwx_sdk import plugins
from mwx_sdk.plugins import PluginError, PluginHost, PluginWarning

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "foundation"))  # the shared dist-info writer
from _dists import write_dist_info

GOOD = textwrap.dedent(
    '''
    import numpy as np
    from mwx_sdk import hookimpl
    from mwx_sdk.interfaces import Expert, ExpertSpec

    class Hold(Expert):
        """Hold a fixed action."""
        spec = ExpertSpec(name="hold", description="Hold still.", robot="toy", action_dim=3)
        def act(self, obs, ctx):
            return np.zeros(3)

    @hookimpl
    def register_experts(register):
        register(Hold)
    '''
)

MODULES = {
    "iso_good": GOOD,
    "iso_exit_at_import": "import sys\nsys.exit(3)\n",
    "iso_exit_in_hook": textwrap.dedent(
        """
        import sys
        from mwx_sdk import hookimpl

        @hookimpl
        def register_planners(register):
            sys.exit(4)
        """
    ),
    "iso_raise_in_hook": textwrap.dedent(
        """
        from mwx_sdk import hookimpl

        @hookimpl
        def register_planners(register):
            raise RuntimeError("no solver configured")
        """
    ),
    "iso_hijack": textwrap.dedent(
        """
        from mwx_sdk import hookimpl

        @hookimpl
        def register_commands(app):
            @app.command("run")
            def run():
                print("HIJACKED run")

            @app.command("plugins")
            def plugins():
                print("HIJACKED plugins")

            @app.command("hello")
            def hello():
                print("hello from a plugin")
        """
    ),
    "iso_hijack_group": textwrap.dedent(
        """
        import typer
        from mwx_sdk import hookimpl

        @hookimpl
        def register_commands(app):
            skills = typer.Typer()

            @skills.command("list")
            def listing():
                print("HIJACKED skills")

            app.add_typer(skills, name="skills")
        """
    ),
    "iso_callback": textwrap.dedent(
        """
        from mwx_sdk import hookimpl

        @hookimpl
        def register_commands(app):
            @app.callback()
            def root():
                print("HIJACKED callback")
        """
    ),
}


@pytest.fixture
def plugin_dir(tmp_path, monkeypatch):
    for name, src in MODULES.items():
        (tmp_path / f"{name}.py").write_text(src)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in MODULES:
        sys.modules.pop(name, None)


def _eps(root: Path, dist_name: str, entries: dict[str, str]) -> list[md.EntryPoint]:
    write_dist_info(root, dist_name, entries)
    (dist,) = [d for d in md.distributions(path=[str(root)]) if d.metadata["Name"] == dist_name]
    return list(dist.entry_points)


def _mwx(site: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """``mwx args`` in a child process that sees the distributions installed in ``site``."""
    full = {k: v for k, v in os.environ.items() if k not in ("MWX_STRICT_PLUGINS", "MWX_PLUGINS")}
    full.update(PYTHONPATH=str(site) + os.pathsep + os.environ.get("PYTHONPATH", ""), **env)
    code = f"from mwx_cli.main import main\nmain({list(args)!r})\n"
    return subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, env=full,
                          timeout=300)


# -- sys.exit inside a plugin ---------------------------------------------------------------

def test_plugin_exiting_at_import_does_not_end_mwx_help(plugin_dir):
    write_dist_info(plugin_dir, "exit-plugin", {"exiter": "iso_exit_at_import"})
    out = _mwx(plugin_dir, "--help")
    assert out.returncode == 0, out.stderr[-2000:]
    assert "Usage: mwx" in out.stdout and "run" in out.stdout
    assert "mwx plugin 'exiter' from distribution 'exit-plugin'" in out.stderr
    assert "failed to import: it called sys.exit(3)" in out.stderr


def test_plugin_exiting_at_import_or_in_a_hook_warns_and_the_rest_loads(plugin_dir):
    eps = _eps(plugin_dir, "exit-plugins", {"a_exit": "iso_exit_at_import", "b_hook": "iso_exit_in_hook",
                                            "c_good": "iso_good"})
    host = PluginHost(entry_points=eps, strict=False, allow=None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        host.load()
    msgs = [str(w.message) for w in caught if issubclass(w.category, PluginWarning)]
    assert msgs == [
        ("mwx plugin 'a_exit' from distribution 'exit-plugins' (entry point a_exit = iso_exit_at_import): "
         "failed to import: it called sys.exit(3)"),
        ("mwx plugin 'b_hook' from distribution 'exit-plugins' (entry point b_hook = iso_exit_in_hook): "
         "hook register_planners called sys.exit(4)"),
    ]
    assert [e.name for e in host.entries("expert")] == ["hold"]


# -- commands ---------------------------------------------------------------------------------

def test_plugin_cannot_replace_builtin_commands(plugin_dir):
    write_dist_info(plugin_dir, "hijack-plugin", {"hijack": "iso_hijack"})
    out = _mwx(plugin_dir, "plugins", "--json")
    assert out.returncode == 0, out.stderr[-2000:]
    assert "HIJACKED" not in out.stdout
    data = json.loads(out.stdout)  # the built-in `mwx plugins` answered
    (problem,) = [p for p in data["problems"] if "'hijack'" in p]
    assert "distribution 'hijack-plugin'" in problem
    assert "'run' (built in), 'plugins' (built in)" in problem
    # the plugin's other command is still added
    out = _mwx(plugin_dir, "hello")
    assert out.returncode == 0 and "hello from a plugin" in out.stdout, out.stderr[-2000:]
    out = _mwx(plugin_dir, "run", "--help")
    assert out.returncode == 0 and "HIJACKED" not in out.stdout and "--experts" in out.stdout


def test_plugin_cannot_replace_a_builtin_group_or_the_root_callback(plugin_dir):
    from mwx_cli._errors import MwxGroup
    from mwx_cli.main import _install_commands

    app = typer.Typer(cls=MwxGroup, no_args_is_help=True)

    @app.callback()
    def root() -> None:
        """The root."""

    _install_commands(app)
    eps = _eps(plugin_dir, "hijack-plugins", {"group": "iso_hijack_group", "callback": "iso_callback"})
    host = PluginHost(entry_points=eps, strict=False, allow=None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        host.install_commands(app)
    msgs = sorted(str(w.message) for w in caught if issubclass(w.category, PluginWarning))
    assert len(msgs) == 2, msgs
    assert "mwx plugin 'callback'" in msgs[0] and "root callback" in msgs[0]
    assert "mwx plugin 'group'" in msgs[1] and "'skills' (built in)" in msgs[1]
    result = CliRunner().invoke(app, ["skills", "--help"])
    assert result.exit_code == 0, result.output
    assert "HIJACKED" not in result.output and "List and inspect skills" in result.output


# -- strict mode ------------------------------------------------------------------------------

@pytest.mark.parametrize("broken", ["iso_raise_in_hook", "iso_exit_at_import", "iso_exit_in_hook"])
def test_strict_load_is_all_or_nothing(plugin_dir, broken):
    # "a_good" loads and registers before the broken plugin fails
    eps = _eps(plugin_dir, "strict-plugins", {"a_good": "iso_good", "b_broken": broken})
    host = PluginHost(entry_points=eps, strict=True, allow=None)
    with pytest.raises(PluginError, match="b_broken"):
        host.load()
    assert host.registry["expert"] == {} and host.plugins == {}
    with pytest.raises(PluginError, match="b_broken"):  # a retry fails the same way
        host.entries("expert")
    with pytest.raises(PluginError, match="b_broken"):
        host.load()


def test_strict_help_prints_one_line(plugin_dir):
    write_dist_info(plugin_dir, "exit-plugin", {"exiter": "iso_exit_at_import"})
    out = _mwx(plugin_dir, "--help", MWX_STRICT_PLUGINS="1")
    assert out.returncode == 2, (out.stdout[-2000:], out.stderr[-2000:])
    lines = [ln for ln in out.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("error: mwx plugin 'exiter' from distribution 'exit-plugin'")
    assert "sys.exit(3)" in lines[0] and "MWX_STRICT_PLUGINS" in lines[0]
    assert "Traceback" not in out.stderr + out.stdout


def test_strict_failure_inside_a_command_is_one_line(plugin_dir):
    """A command that loads the registries (``mwx plugins``) under strict mode: one line, exit 2."""
    from mwx_cli.main import app

    eps = _eps(plugin_dir, "strict-plugins", {"b_broken": "iso_exit_in_hook"})
    plugins.reset_plugins(PluginHost(entry_points=eps, strict=True, allow=None))
    try:
        result = CliRunner().invoke(app, ["plugins", "--json"])
    finally:
        plugins.reset_plugins()
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("error: mwx plugin 'b_broken'")
    assert "Traceback" not in result.output
