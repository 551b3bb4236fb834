"""The mesh variant of the bundled H1 (``model_variant="mesh"``) and the env's action map.

The mesh model must be HumanoidBench's robot: same kinematics, inertials, actuators and contact
geometry. Tests that read the reference assets skip without them; the rest run anywhere.
"""

from __future__ import annotations

import importlib.util
from fnmatch import fnmatch
from functools import cache
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

import mujoco
import numpy as np
import pytest

import mwx_sdk
from mwx_sdk.envs import h1_constants as h1
from mwx_sdk.envs.assets import ASSETS_DIR, TASKS, VARIANTS, reference_scene_path, scene_path
from mwx_sdk.envs.base import default_model_path

ROBOT_BODIES = set(h1.BODY_NAMES) - {"world"}
REPO = Path(__file__).resolve().parents[2]


@cache
def _mesh(task: str):
    return mujoco.MjModel.from_xml_path(str(scene_path(task, variant="mesh")))


@cache
def _primitive(task: str):
    return mujoco.MjModel.from_xml_path(str(scene_path(task, variant="primitive")))


@cache
def _ref(task: str):
    path = reference_scene_path(task)
    if path is None:
        pytest.skip("HumanoidBench reference assets (../shared or $MWX_HB_ASSETS) are not present")
    return mujoco.MjModel.from_xml_path(str(path))


def _names(model, obj, count: int) -> list[str]:
    return [mujoco.mj_id2name(model, obj, i) or "" for i in range(count)]


def _robot_contact_geoms(model) -> list[int]:
    """Geoms of the robot's bodies that take part in collisions."""
    bodies = {i for i in range(model.nbody) if mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_BODY, i) in ROBOT_BODIES}
    return [g for g in range(model.ngeom)
            if model.geom_bodyid[g] in bodies and (model.geom_contype[g] or model.geom_conaffinity[g])]


# ---------------------------------------------------------------- the bundled model


@pytest.mark.parametrize("task", TASKS)
def test_mesh_scene_loads_for_every_task_with_the_primitive_scenes_task_part(task):
    mesh, prim = _mesh(task), _primitive(task)
    assert scene_path(task, variant="mesh").parent == scene_path(task, variant="primitive").parent
    assert (mesh.nq, mesh.nv, mesh.nu, mesh.nkey) == (prim.nq, prim.nv, prim.nu, prim.nkey)
    for obj, count in ((mujoco.mjtObj.mjOBJ_BODY, "nbody"), (mujoco.mjtObj.mjOBJ_JOINT, "njnt"),
                       (mujoco.mjtObj.mjOBJ_SITE, "nsite"), (mujoco.mjtObj.mjOBJ_SENSOR, "nsensor"),
                       (mujoco.mjtObj.mjOBJ_ACTUATOR, "nu")):
        assert _names(mesh, obj, getattr(mesh, count)) == _names(prim, obj, getattr(prim, count)), obj
    np.testing.assert_array_equal(mesh.key_qpos, prim.key_qpos)
    np.testing.assert_array_equal(mesh.key_ctrl, prim.key_ctrl)
    assert mesh.nmesh == 21 and prim.nmesh == 0


def test_mesh_model_collides_with_the_link_meshes():
    model = _mesh("stand")
    geoms = _robot_contact_geoms(model)
    kinds = {}
    for g in geoms:
        body = mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_BODY, model.geom_bodyid[g])
        kinds.setdefault(body, set()).add(int(model.geom_type[g]))
    # every link but the two hip-yaw links (a cylinder, as in HumanoidBench) collides with its mesh
    cylinder = {"left_hip_yaw_link", "right_hip_yaw_link"}
    assert set(kinds) == ROBOT_BODIES - {"left_hand", "right_hand"}
    for body, types in kinds.items():
        want = mujoco.mjtGeom.mjGEOM_CYLINDER if body in cylinder else mujoco.mjtGeom.mjGEOM_MESH
        assert types == {int(want)}, body
    for g in geoms:  # collision geoms carry no mass: the links' inertials are explicit
        assert model.geom_group[g] == 3


def test_mesh_files_ship_with_unitrees_license():
    meshes = ASSETS_DIR / "h1" / "meshes"
    model = _mesh("stand")
    assert {mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_MESH, i) + ".stl" for i in range(model.nmesh)} == {
        p.name for p in meshes.glob("*.stl")}
    assert "Unitree" in (meshes / "LICENSE").read_text()
    assert "BSD" in (meshes / "NOTICE").read_text() and "MIT" in (meshes / "NOTICE").read_text()


def test_package_data_globs_cover_every_asset_file():
    globs = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["*"]
    for path in ASSETS_DIR.rglob("*"):
        if path.is_file() and path.suffix != ".py" and "__pycache__" not in path.parts:
            rel = path.relative_to(ASSETS_DIR).as_posix()
            # setuptools' "**/" also matches no folder at all
            assert any(fnmatch(rel, g) or fnmatch(rel, g.removeprefix("**/")) for g in globs), rel


def test_scene_path_and_env_pick_the_variant():
    assert VARIANTS == ("mesh", "primitive")  # the first is the default: HumanoidBench's H1
    assert scene_path("walk", variant="mesh") == scene_path("walk") == default_model_path("walk")
    assert scene_path("walk", variant="primitive").name == "h1_walk.xml"
    assert default_model_path("walk", "primitive") == scene_path("walk", variant="primitive")
    with pytest.raises(ValueError, match="valid variants are mesh, primitive"):
        scene_path("walk", variant="stl")
    env = mwx_sdk.make_env("mwx/h1-walk-v0", model_variant="mesh")
    try:
        assert env.unwrapped.model_path == scene_path("walk", variant="mesh")
        assert env.unwrapped.model.nmesh == 21
    finally:
        env.close()
    env = mwx_sdk.make_env("mwx/h1-walk-v0")
    try:
        assert env.unwrapped.model_path == scene_path("walk", variant="mesh")
    finally:
        env.close()
    with pytest.raises(ValueError, match="valid variants are mesh, primitive"):
        mwx_sdk.make_env("mwx/h1-walk-v0", model_variant="stl")
    with pytest.raises(ValueError, match="model_path or model_variant, not both"):
        mwx_sdk.make_env("mwx/h1-walk-v0", model_variant="mesh", model_path=str(scene_path("walk", variant="primitive")))


# ---------------------------------------------------------------- against HumanoidBench's robot


def test_mesh_model_kinematics_and_dynamics_equal_the_reference():
    own, ref = _mesh("stand"), _ref("stand")
    assert (own.nq, own.nv, own.nu) == (ref.nq, ref.nv, ref.nu)
    for obj, count in ((mujoco.mjtObj.mjOBJ_JOINT, "njnt"), (mujoco.mjtObj.mjOBJ_BODY, "nbody"),
                       (mujoco.mjtObj.mjOBJ_ACTUATOR, "nu"), (mujoco.mjtObj.mjOBJ_SITE, "nsite"),
                       (mujoco.mjtObj.mjOBJ_SENSOR, "nsensor"), (mujoco.mjtObj.mjOBJ_CAMERA, "ncam")):
        assert _names(own, obj, getattr(own, count)) == _names(ref, obj, getattr(ref, count)), obj
    for field in ("body_mass", "body_inertia", "body_ipos", "body_iquat", "body_pos", "body_quat", "jnt_axis",
                  "jnt_range", "dof_damping", "dof_armature", "actuator_gainprm", "actuator_biasprm",
                  "actuator_forcerange", "actuator_ctrlrange", "site_pos"):
        np.testing.assert_array_equal(getattr(own, field), getattr(ref, field), err_msg=field)
    # the contact geometry: same geoms, shapes, hulls and contact parameters, in the same order
    og, rg = _robot_contact_geoms(own), _robot_contact_geoms(ref)
    assert len(og) == len(rg)
    for field in ("geom_type", "geom_bodyid", "geom_size", "geom_pos", "geom_quat", "geom_contype",
                  "geom_conaffinity", "geom_condim", "geom_friction", "geom_solref", "geom_solimp", "geom_margin"):
        np.testing.assert_array_equal(getattr(own, field)[og], getattr(ref, field)[rg], err_msg=field)
    np.testing.assert_array_equal(own.mesh_vert, ref.mesh_vert)
    np.testing.assert_array_equal(own.mesh_graph, ref.mesh_graph)


@pytest.mark.parametrize("task", ["stand", "walk"])
def test_mesh_scene_steps_exactly_like_the_reference_scene(task):
    own, ref = _mesh(task), _ref(task)
    rng = np.random.default_rng(0)
    qpos0 = ref.key_qpos[0] + rng.uniform(-0.01, 0.01, ref.nq)
    noise = rng.normal(0.0, 0.1, (40, ref.nu))
    out = []
    for model in (own, ref):
        d = mujoco.MjData(model)
        d.qpos[:] = qpos0
        for n in noise:  # 0.8 s: the robot staggers, self-collides and falls
            d.ctrl[:] = h1.STAND_CTRL + n
            mujoco.mj_step(model, d, 10)
        out.append(d.qpos.copy())
    np.testing.assert_array_equal(out[0], out[1])


# ---------------------------------------------------------------- the action map


def test_step_maps_actions_with_humanoidbenchs_float32_arithmetic():
    """HumanoidBench's ``(a + 1) / 2 * (high - low) + low`` with gymnasium's float32 bounds, in
    the action's dtype (a float64 map of the same action differs in the last bits)."""
    env = mwx_sdk.make_env("mwx/h1-stand-v0").unwrapped
    try:
        env.reset(seed=0)
        lo, hi = env.model.actuator_ctrlrange.T.astype(np.float32)
        a32 = np.random.default_rng(0).uniform(-1, 1, env.model.nu).astype(np.float32)
        env.step(a32)
        expect32 = (a32 + 1) / 2 * (hi - lo) + lo
        assert expect32.dtype == np.float32
        np.testing.assert_array_equal(env.data.ctrl, expect32.astype(np.float64))
        a64 = a32.astype(np.float64) * 0.5
        env.step(a64)
        np.testing.assert_array_equal(env.data.ctrl, (a64 + 1) / 2 * (hi - lo) + lo)
    finally:
        env.close()


@pytest.mark.skipif(importlib.util.find_spec("humanoid_bench") is None,
                    reason="needs the humanoid_bench package (see docs/humanoid_bench.md)")
def test_reference_scene_on_h1env_reproduces_the_package():
    from mwx_sdk.envs.base import reference_model_path

    path = reference_model_path("walk")
    if not path.is_file():
        pytest.skip("the HumanoidBench reference assets are not beside the repository")
    ours = mwx_sdk.make_env("mwx/h1-walk-v0", model_path=str(path))
    theirs = mwx_sdk.make_env("h1-walk-v0")
    try:
        ours.reset(seed=0)
        theirs.reset(seed=0)
        a, b = ours.unwrapped.data, theirs.unwrapped.data
        a.qpos[:], a.qvel[:] = b.qpos, b.qvel
        mujoco.mj_forward(ours.unwrapped.model, a)
        a.qacc_warmstart[:] = b.qacc_warmstart
        rng = np.random.default_rng(1)
        for _ in range(50):
            act = rng.uniform(-1, 1, 19).astype(np.float32)
            ours.step(act)
            theirs.step(act)
        np.testing.assert_array_equal(a.qpos, b.qpos)
    finally:
        ours.close()
        theirs.close()


# ---------------------------------------------------------------- parity tooling (bench/parity.py)


def test_parity_judges_the_mesh_model_against_the_reference_and_times_steps():
    parity = importlib.import_module("bench.parity")
    assert parity.pairs_of(["embedded", "mesh", "reference"]) == [
        ("mesh", "reference"), ("embedded", "reference"), ("embedded", "mesh")]
    same = {"qpos_max": 0.0, "terms": {"reward": 0.0}, "contacts": 1.0}
    assert parity.verdict(("mesh", "reference"), same) == "pass"
    assert parity.verdict(("mesh", "reference"), {**same, "contacts": 0.9}) == "FAIL"
    assert parity.verdict(("mesh", "reference"), {**same, "terms": {"reward": 0.02}}) == "FAIL"
    assert parity.verdict(("mesh", "hb"), same) == "-"
    env = parity.make_source("mesh", "stand")
    try:
        assert env.unwrapped.model.nmesh == 21
        qpos0, qvel0 = parity.initial_state(env.unwrapped.model, seed=0)
        assert parity.step_time(env, parity.stand_actions(3, seed=0, noise=0.05), qpos0, qvel0, repeats=1) > 0
    finally:
        env.close()
    with pytest.raises(SystemExit):
        parity.main(["--sources", "stl"])


def test_the_mesh_h1_plans_with_its_self_contacts_and_the_primitive_h1_without():
    """A mesh H1 touches itself while it walks (hip yaw on hip pitch): its planner model keeps
    self-collisions unless the user says otherwise; the primitive H1 keeps the planner's default."""
    from mwx_sdk.interfaces import StepContext
    from mwx_sdk.planning import MPPIPlanner

    mesh = mwx_sdk.make_env("mwx/h1-walk-v0", model_variant="mesh")
    prim = mwx_sdk.make_env("mwx/h1-walk-v0", model_variant="primitive")
    try:
        assert mesh.unwrapped.planner_defaults == {"self_collision": True}
        assert prim.unwrapped.planner_defaults == {}
        for env, options, expected in ((mesh, {}, True), (mesh, {"self_collision": False}, False),
                                       (prim, {}, False)):
            env.reset(seed=0)
            planner = MPPIPlanner(num_samples=2, horizon=2, num_knots=2, threads=1, **options)
            planner.reset(env, StepContext(dt=0.02, seed=0))
            assert planner.config.self_collision is expected
            planner.close()
    finally:
        mesh.close()
        prim.close()
