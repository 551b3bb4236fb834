"""The README's quickstart runs as written, offline, and its links point at real files.

The commands and the Python block are read from README.md itself, so the tests follow the
README when it changes. Cheap commands (`mwx doctor`, `mwx plugins`, `mwx skills list`) and the
200-step Python block run in the default suite; the CLI episodes (`mwx demo`, `mwx run`, which
also render videos) are marked slow (`make test-all` or `pytest -m slow tests/docs`).
"""

from __future__ import annotations

import ast
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
MAX_LINES = 150
# commands that run an episode: slow tests
EPISODE_COMMANDS = {"demo", "run"}
# a markdown link or image: [text](target) / ![alt](target)
_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def _text() -> str:
    return README.read_text(encoding="utf-8")


def _section(title: str) -> str:
    """The README section under ``## <title>`` (up to the next ``## `` heading)."""
    m = re.search(rf"^## {re.escape(title)}.*?$(.*?)(?=^## |\Z)", _text(), re.MULTILINE | re.DOTALL)
    assert m, f"README.md has no '## {title}' section; the quickstart tests read it"
    return m.group(1)


def _quickstart_commands() -> list[list[str]]:
    """The ``mwx ...`` lines of the quickstart's indented code block, as argument lists."""
    commands = []
    for line in _section("Quickstart").splitlines():
        if line.startswith("    ") and line.strip().startswith("mwx "):
            commands.append(shlex.split(line.strip(), comments=True))
    return commands


def _python_block() -> str:
    blocks = re.findall(r"^```python\n(.*?)^```", _section("Quickstart"), re.MULTILINE | re.DOTALL)
    assert len(blocks) == 1, f"expected one ```python block in the README quickstart, found {len(blocks)}"
    return blocks[0]


def _mwx() -> str:
    """The ``mwx`` script of the environment running the tests (.venv/bin/mwx)."""
    exe = Path(sys.executable).parent / "mwx"
    if not exe.is_file():
        pytest.fail(f"no mwx script beside {sys.executable}; install the project: make install")
    return str(exe)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("MUJOCO_GL", "egl")
    env["HF_HUB_OFFLINE"] = "1"  # the quickstart promises offline: no model download may be needed
    env["TRANSFORMERS_OFFLINE"] = "1"
    env.pop("MWX_PLUGINS", None)
    return env


def _run(args: list[str], cwd: Path, timeout: float) -> subprocess.CompletedProcess:
    # the exit status is checked by each test, with the output in the message
    return subprocess.run(args, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout, check=False)


def _describe(proc: subprocess.CompletedProcess) -> str:
    return f"exit {proc.returncode}\nstdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}"


CHEAP = [c for c in _quickstart_commands() if c[1] not in EPISODE_COMMANDS]
EPISODES = [c for c in _quickstart_commands() if c[1] in EPISODE_COMMANDS]


# -- fast -------------------------------------------------------------------------------------
def test_readme_is_at_most_150_lines():
    n = len(_text().splitlines())
    assert n <= MAX_LINES, f"README.md has {n} lines (at most {MAX_LINES}); move detail into docs/"


def test_readme_relative_links_exist():
    missing = []
    for target in _LINK.findall(_text()):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE) or target.startswith("#"):
            continue  # http(s):, mailto: and in-page anchors
        path = target.split("#", 1)[0]
        if not (README.parent / path).exists():
            missing.append(target)
    assert not missing, f"README.md links to files that do not exist: {missing}"


def test_readme_quickstart_is_found():
    # guards the parsing below: an empty list would make the command tests pass vacuously
    assert CHEAP and EPISODES, f"quickstart commands not found in README.md: {_quickstart_commands()}"
    assert {c[1] for c in CHEAP} >= {"doctor", "plugins", "skills"}


def test_readme_python_block_uses_public_api():
    import mwx_sdk

    tree = ast.parse(_python_block())
    used = {n.attr for n in ast.walk(tree)
            if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "mwx_sdk"}
    assert used, "the README's Python block no longer uses mwx_sdk"
    assert used <= set(mwx_sdk.__all__), f"not in mwx_sdk's public API: {sorted(used - set(mwx_sdk.__all__))}"


@pytest.mark.parametrize("command", CHEAP, ids=lambda c: " ".join(c))
def test_readme_cheap_command_runs(command, tmp_path):
    proc = _run([_mwx(), *command[1:]], tmp_path, timeout=120)
    assert proc.returncode == 0, f"`{' '.join(command)}` failed: {_describe(proc)}"
    assert proc.stdout.strip(), f"`{' '.join(command)}` printed nothing"


@pytest.mark.parametrize("command", EPISODES, ids=lambda c: " ".join(c))
def test_readme_episode_command_options_exist(command, tmp_path):
    # cheap guard for the slow tests below: every option the README uses is still accepted
    proc = _run([_mwx(), command[1], "--help"], tmp_path, timeout=60)
    assert proc.returncode == 0, _describe(proc)
    flat = re.sub(r"\s+", " ", proc.stdout)
    for opt in (a for a in command[2:] if a.startswith("--")):
        assert opt in flat, f"`mwx {command[1]}` no longer accepts {opt} (README quickstart)"


# -- slow: whole episodes, as written ------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("command", EPISODES, ids=lambda c: " ".join(c))
def test_readme_episode_command_runs(command, tmp_path):
    proc = _run([_mwx(), *command[1:]], tmp_path, timeout=1800)
    assert proc.returncode == 0, f"`{' '.join(command)}` failed: {_describe(proc)}"
    if command[1] == "demo":
        expected = [tmp_path / "mwx-demo" / "demo.mp4", tmp_path / "mwx-demo" / "weights.png"]
    else:
        expected = [tmp_path / command[i + 1] for i, a in enumerate(command) if a in ("--video", "--plot")]
    for path in expected:
        assert path.is_file() and path.stat().st_size > 0, f"`{' '.join(command)}` did not write {path.name}"


def test_readme_python_block_runs(tmp_path):
    """In the default run: 200 steps of the walk task's default agent, about 10-20 s here."""
    proc = _run([sys.executable, "-c", _python_block()], tmp_path, timeout=1800)
    assert proc.returncode == 0, f"the README's Python block failed: {_describe(proc)}"
    assert "StepDiagnostics(" in proc.stdout, proc.stdout[-2000:]
