"""Plugin discovery: every failure mode gives one clear message and the rest still loads."""

from __future__ import annotations

import importlib.metadata as md
import sys
import textwrap
import warnings
from pathlib import Path

import pytest
from _dists import write_dist_info

from mwx_sdk.plugins import PluginError, PluginHost, PluginWarning, UnknownComponentError

GOOD = '''
import numpy as np
from mwx_sdk import hookimpl
from mwx_sdk.interfaces import Expert, ExpertSpec

class Hold(Expert):
    """Hold a fixed action."""
    spec = ExpertSpec(name="hold", description="Hold still.", robot="toy", action_dim=3)
    def __init__(self, value=0.0):
        self.value = value
    def act(self, obs, ctx):
        return np.full(3, self.value)

@hookimpl
def register_experts(register):
    register(Hold)
'''

MODULES = {
    "good_plugin": GOOD,
    "import_error_plugin": "import does_not_exist_anywhere\n",
    "raising_plugin": textwrap.dedent(
        """
        from mwx_sdk import hookimpl

        @hookimpl
        def register_planners(register):
            raise RuntimeError("no solver configured")
        """
    ),
    "wrong_type_plugin": textwrap.dedent(
        """
        from mwx_sdk import hookimpl

        class NotAnExpert:
            name = "fake"

        @hookimpl
        def register_experts(register):
            register(NotAnExpert)
        """
    ),
    "duplicate_plugin": GOOD.replace('"""Hold a fixed action."""', '"""Another hold."""'),
    "misspelled_plugin": textwrap.dedent(
        """
        from mwx_sdk import hookimpl

        @hookimpl
        def register_expert(register):
            pass
        """
    ),
}


def _make_dist(root: Path, dist_name: str, entries: dict[str, str]) -> list[md.EntryPoint]:
    """Write a real installed-distribution record (dist-info) and return its entry points."""
    write_dist_info(root, dist_name, entries, version="1.2.3")
    (dist,) = [d for d in md.distributions(path=[str(root)]) if d.metadata["Name"] == dist_name]
    return list(dist.entry_points)


@pytest.fixture
def plugin_root(tmp_path, monkeypatch):
    for name, src in MODULES.items():
        (tmp_path / f"{name}.py").write_text(src)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in MODULES:
        sys.modules.pop(name, None)


def _host(plugin_root, entries, **kw) -> tuple[PluginHost, list[str]]:
    eps = _make_dist(plugin_root, "toy-plugins", entries)
    host = PluginHost(entry_points=eps, **kw)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        host.load()
    return host, [str(w.message) for w in caught if issubclass(w.category, PluginWarning)]


def test_good_plugin_registers_and_builds(plugin_root):
    host, msgs = _host(plugin_root, {"good": "good_plugin"}, strict=False, allow=None)
    assert msgs == []
    (entry,) = host.entries("expert")
    assert (entry.name, entry.kind, entry.plugin, entry.distribution, entry.version) == (
        "hold", "expert", "good", "toy-plugins", "1.2.3"
    )
    assert entry.description == "Hold still."
    expert = host.build("expert", "hold", value=0.5)
    assert expert.act(None, None).tolist() == [0.5, 0.5, 0.5]


def test_import_error_warns_and_others_load(plugin_root):
    host, msgs = _host(plugin_root, {"broken": "import_error_plugin", "good": "good_plugin"}, strict=False)
    assert msgs == [
        "mwx plugin 'broken' from distribution 'toy-plugins' (entry point broken = import_error_plugin): "
        "failed to import: ModuleNotFoundError: No module named 'does_not_exist_anywhere'"
    ]
    assert [e.name for e in host.entries("expert")] == ["hold"]


def test_hook_that_raises(plugin_root):
    host, msgs = _host(plugin_root, {"raiser": "raising_plugin", "good": "good_plugin"}, strict=False)
    assert msgs == [
        "mwx plugin 'raiser' from distribution 'toy-plugins' (entry point raiser = raising_plugin): "
        "hook register_planners raised RuntimeError: no solver configured"
    ]
    assert [e.name for e in host.entries("expert")] == ["hold"]


def test_wrong_type(plugin_root):
    host, msgs = _host(plugin_root, {"wrong": "wrong_type_plugin"}, strict=False)
    assert msgs == [
        "mwx plugin 'wrong' from distribution 'toy-plugins' (entry point wrong = wrong_type_plugin): "
        "registered 'NotAnExpert' as a expert, but it is not a subclass of mwx_sdk.interfaces.Expert"
    ]
    assert host.entries("expert") == []


def test_duplicate_name_names_both_providers(plugin_root):
    # plugins load in entry-point name order, so "first" registers before "second"
    host, msgs = _host(plugin_root, {"first": "good_plugin", "second": "duplicate_plugin"}, strict=False)
    assert msgs == [
        "mwx plugin 'second' from distribution 'toy-plugins' (entry point second = duplicate_plugin): "
        "expert name 'hold' is already registered by toy-plugins 1.2.3 (entry point 'first'); "
        "the one from toy-plugins 1.2.3 (entry point 'second') was refused"
    ]
    (entry,) = host.entries("expert")
    assert entry.plugin == "first"


def test_misspelled_hookimpl(plugin_root):
    host, msgs = _host(plugin_root, {"typo": "misspelled_plugin"}, strict=False)
    assert msgs == [
        "mwx plugin 'typo' from distribution 'toy-plugins' (entry point typo = misspelled_plugin): "
        "defines hook implementation(s) that match no mwx hook: 'register_expert' "
        "(did you mean 'register_experts'?)"
    ]


def test_check_pending_catches_unknown_hooks(plugin_root):
    host, _ = _host(plugin_root, {"typo": "misspelled_plugin"}, strict=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        host.check_pending()
    assert any("register_expert" in str(w.message) for w in caught)


def test_strict_mode_raises(plugin_root):
    eps = _make_dist(plugin_root, "toy-plugins", {"broken": "import_error_plugin"})
    with pytest.raises(PluginError, match="failed to import: ModuleNotFoundError"):
        PluginHost(entry_points=eps, strict=True).load()


def test_strict_mode_from_environment(plugin_root, monkeypatch):
    monkeypatch.setenv("MWX_STRICT_PLUGINS", "1")
    eps = _make_dist(plugin_root, "toy-plugins", {"wrong": "wrong_type_plugin"})
    with pytest.raises(PluginError, match="not a subclass"):
        PluginHost(entry_points=eps).load()


def test_allowlist_loads_only_named_third_party(plugin_root, monkeypatch):
    monkeypatch.setenv("MWX_PLUGINS", "good")
    host, msgs = _host(plugin_root, {"good": "good_plugin", "broken": "import_error_plugin"})
    assert msgs == []
    assert host.plugins["broken"].loaded is False
    assert host.plugins["broken"].error == "skipped: not listed in MWX_PLUGINS"
    assert [e.name for e in host.entries("expert")] == ["hold"]


def test_unknown_component_suggests(plugin_root):
    host, _ = _host(plugin_root, {"good": "good_plugin"}, strict=False)
    with pytest.raises(UnknownComponentError, match=r"no expert named 'hodl' \(did you mean 'hold'\?\)"):
        host.build("expert", "hodl")


def test_installed_bundled_plugins_load_cleanly():
    """Every bundled plugin imports and registers without a single warning (strict mode)."""
    host = PluginHost(strict=True, allow=set())
    host.load()
    bundled = [p for p in host.plugins.values() if p.bundled]
    assert bundled, "no bundled plugins found: reinstall with `pip install -e .`"
    assert all(p.loaded and p.error is None for p in bundled), [p.as_dict() for p in bundled]


def test_make_env_unknown_id_suggests_builtin():
    import gymnasium

    import mwx_sdk

    with pytest.raises(gymnasium.error.NameNotFound, match=r"did you mean 'mwx/h1-stand-v0'\?\)\. Built in: "):
        mwx_sdk.make_env("mwx/h1-stnd-v0")
