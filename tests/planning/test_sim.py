"""The planner model: sensors appended by MjSpec and by XML splicing agree with the env."""

from __future__ import annotations

import mujoco
import numpy as np
import pytest


@pytest.fixture
def stand_env():
    from mwx_sdk.envs.tasks import StandEnv

    try:
        env = StandEnv()
    except FileNotFoundError as exc:
        pytest.skip(str(exc))
    env.reset(seed=0)
    return env


def test_both_compile_paths_give_the_same_sensors(stand_env):
    from mwx_sdk.planning import sim

    names = [stand_env.model.actuator(i).name for i in range(stand_env.model.nu)]
    if not hasattr(mujoco, "MjSpec"):
        pytest.skip("MjSpec needs mujoco >= 3.2")
    extra = (("imu", "framepos", "site", "imu"), ("pelvis_quat", "framequat", "xbody", "pelvis"))
    sensors = sim.PLANNER_SENSORS + tuple((f"mwxp_x_{n}", t, o, obj) for n, t, o, obj in extra)
    m1 = sim._compile_with_spec(stand_env.model_path, names, sensors)
    m2 = sim._compile_with_xml_text(stand_env.model_path, names, sensors)
    assert sim.SensorLayout.of(m1, extra) == sim.SensorLayout.of(m2, extra)
    assert set(sim.SensorLayout.of(m1, extra).extra) == {"imu", "pelvis_quat"}
    d1, d2 = mujoco.MjData(m1), mujoco.MjData(m2)
    d1.qpos[:] = d2.qpos[:] = stand_env.data.qpos
    mujoco.mj_forward(m1, d1)
    mujoco.mj_forward(m2, d2)
    np.testing.assert_array_equal(d1.sensordata, d2.sensordata)


def test_sensors_measure_the_task_quantities(stand_env):
    from mwx_sdk.planning import sim

    env = stand_env
    model, lay = sim.build_planner_model(env.model_path, env.model, timestep=None, integrator=None,
                                         iterations=None, ls_iterations=None)
    data = mujoco.MjData(model)
    state, _ = sim.get_state(env.model, env.data)
    mujoco.mj_setState(model, data, state, sim.full_physics_spec())
    mujoco.mj_forward(model, data)
    s = data.sensordata
    head = env.data.site_xpos[env.model.site("head").id]
    np.testing.assert_allclose(s[lay.slices["head"]], head, atol=1e-12)
    np.testing.assert_allclose(s[lay.slices["torso_z"]][2], env.data.xmat[env.model.body("torso_link").id][8],
                               atol=1e-12)
    np.testing.assert_allclose(s[lay.force], data.actuator_force, atol=1e-12)
    assert model.opt.timestep == env.model.opt.timestep


def test_wrong_model_file_is_refused(stand_env, tmp_path):
    from mwx_sdk.planning import sim

    xml = tmp_path / "other.xml"
    xml.write_text('<mujoco><worldbody><body name="pelvis"><freejoint/><geom size="0.1"/>'
                   '<site name="head"/><site name="left_foot"/><site name="right_foot"/>'
                   '<body name="torso_link"><joint name="j"/><geom size="0.1"/></body></body>'
                   '</worldbody><actuator><position name="left_hip_yaw" joint="j"/></actuator></mujoco>')
    with pytest.raises(ValueError, match="model_xml"):
        sim.build_planner_model(xml, stand_env.model, timestep=None, integrator=None, iterations=None,
                                ls_iterations=None)


def test_env_introspection(stand_env):
    from mwx_sdk.planning import sim

    assert sim.model_path_of(stand_env) == stand_env.model_path
    assert sim.task_of(stand_env) == "stand"

    class Named:
        spec = type("S", (), {"id": "mwx/h1-walk-v0"})()

    assert sim.task_of(Named()) == "walk"
    assert sim.model_path_of(object()) is None


@pytest.mark.parametrize("backend", ["split", "native"])
def test_threaded_rollouts_equal_one_call_on_the_whole_batch(stand_env, backend):
    """Every thread backend returns, row for row, what one rollout call on the batch returns."""
    import mujoco.rollout as mr

    from mwx_sdk.planning import sim

    if backend == "native" and not hasattr(mr, "Rollout"):
        pytest.skip("mujoco.rollout.Rollout needs mujoco >= 3.3")
    model = stand_env.model
    state0, warm = sim.get_state(model, stand_env.data)
    rng = np.random.default_rng(0)
    lo, hi = model.actuator_ctrlrange[:, 0], model.actuator_ctrlrange[:, 1]
    controls = rng.uniform(lo, hi, size=(7, 6, model.nu)) * 0.2
    one = sim.BatchRoller(model, threads=1, backend="split")
    threaded = sim.BatchRoller(model, threads=3, backend=backend)
    try:
        s1, y1 = one.run(state0, warm, controls)
        s3, y3 = threaded.run(state0, warm, controls)
    finally:
        one.close()
        threaded.close()
    assert s1.shape == s3.shape == (7, 6, one.nstate)
    np.testing.assert_array_equal(s1, s3)
    np.testing.assert_array_equal(y1, y3)
    # the rows differ from each other, so a slice written to the wrong rows would show
    assert not np.array_equal(s1[0], s1[1])


def test_rollout_backend_is_checked(stand_env):
    from mwx_sdk.planning import sim

    with pytest.raises(ValueError, match="backend must be"):
        sim.BatchRoller(stand_env.model, threads=2, backend="gpu")
