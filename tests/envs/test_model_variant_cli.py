"""``--model-variant`` on ``mwx eval`` and ``mwx run``: the mesh H1 from the command line."""

from __future__ import annotations

import json

from mwx_cli.main import app
from typer.testing import CliRunner


def test_eval_runs_the_mesh_model_and_records_it(tmp_path):
    res = CliRunner().invoke(app, ["eval", "--env", "mwx/h1-stand-v0", "--model-variant", "mesh", "--steps", "5",
                                   "--planner", "direct", "--no-plots", "-q", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    config = json.loads((tmp_path / "results.json").read_text())["config"]
    assert config["env_options"] == {"model_variant": "mesh"}


def test_a_bad_variant_or_env_is_one_line():
    runner = CliRunner()
    res = runner.invoke(app, ["eval", "--env", "mwx/h1-stand-v0", "--model-variant", "glass", "--steps", "2"])
    assert res.exit_code == 2 and "--model-variant must be one of mesh, primitive" in res.output
    res = runner.invoke(app, ["run", "stand still", "--env", "h1-stand-v0", "--model-variant", "mesh", "--steps", "2",
                              "--no-live", "--no-save"])
    assert res.exit_code == 2
    assert "applies to the bundled mwx/ envs" in res.output or "humanoid_bench" in res.output.lower()


def test_verbose_eval_shows_the_planner_settings_the_model_gets(tmp_path):
    """`mwx eval -v` prints the planner settings the episode runs with: the mesh H1's planner
    keeps self-collisions, the primitive H1's does not."""
    for variant, expected in (("mesh", "self_collision=True"), ("primitive", "self_collision=False")):
        res = CliRunner().invoke(app, ["eval", "--env", "mwx/h1-stand-v0", "--model-variant", variant, "--steps", "1",
                                       "--no-plots", "-v", "--out", str(tmp_path / variant)])
        assert res.exit_code == 0, res.output
        assert expected in res.output.replace("\n", ""), res.output
