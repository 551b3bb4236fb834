"""The built-in H1 task envs on the project model and on the HumanoidBench reference model."""

from __future__ import annotations

import gymnasium as gym
import mujoco
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import mwx_sdk.envs  # noqa: F401  (registers mwx/h1-<task>-v0)
from mwx_sdk.envs import rewards as R
from mwx_sdk.envs.base import reference_model_path
from mwx_sdk.envs.quantities import H1Quantities
from mwx_sdk.envs.registration import TASK_SPECS
from mwx_sdk.envs.tasks import TASKS

OBS_DIM = {"stand": 51, "walk": 51, "run": 51, "crawl": 51, "sit_simple": 51, "sit_hard": 64, "walk_sit": 64,
           "door_wall": 55, "box_table": 64, "reach": 57,
           "door": 55, "push": 63, "package": 73, "truck": 116, "basketball": 64}

# info keys per the HumanoidBench sample infos (plus the success flag every env reports)
INFO_KEYS = {
    "stand": {"small_control", "stand_reward", "dont_move", "standing", "upright"},
    "walk": {"stand_reward", "small_control", "move", "standing", "upright"},
    "run": {"stand_reward", "small_control", "move", "standing", "upright"},
    "crawl": {"crawling", "crawling_head", "small_control", "move", "in_tunnel"},
    "sit_simple": {"small_control", "sit_reward", "dont_move", "sitting", "upright", "sitting_posture"},
    "sit_hard": {"small_control", "sit_reward", "dont_move", "sitting", "upright", "sitting_posture"},
    "walk_sit": {"small_control", "sit_reward", "dont_move", "sitting", "upright", "sitting_posture", "seated_steps"},
    "reach": {"hand_dist", "healthy_reward", "motion_penalty", "reward_close", "reward_success"},
    "door": {"stand_reward", "small_control", "door_openness_reward", "door_hatch_openness_reward",
             "hand_hatch_proximity_reward", "passage_reward"},
    "door_wall": {"stand_reward", "small_control", "door_openness_reward", "door_hatch_openness_reward",
                  "hand_hatch_proximity_reward", "passage_reward"},
    "push": {"target_dist", "hand_dist", "reward_success"},
    "box_table": {"stand_reward", "hands_on_box", "lifted", "on_table", "resting_steps"},
    "package": {"stand_reward", "small_control", "dist_package_destination", "dist_hand_package_right",
                "dist_hand_package_left", "package_height"},
    "truck": {"upright", "reward_robot_package_truck", "reward_robot_package_picked_up", "reward_package_table",
              "packages_on_truck", "packages_picked_up", "packages_on_table", "success_subtasks"},
    "basketball": {"reward_hand_proximity", "reward_ball_success", "stand_reward", "small_control",
                   "success_subtasks"},
}


def _models():
    out = [pytest.param(None, id="project")]
    out.append(pytest.param("reference", id="reference"))
    return out


def _make(task, which, **kw):
    if which == "reference":
        path = reference_model_path(task)
        if not path.is_file():
            pytest.skip(f"HumanoidBench reference model {path} is not present")
        return TASKS[task](model_path=path, **kw)
    return TASKS[task](**kw)


def test_specs_match_classes():
    assert [s.name for s in TASK_SPECS] == list(TASKS)
    for s in TASK_SPECS:
        cls = TASKS[s.name]
        assert f"{cls.__module__}:{cls.__name__}" == s.env and cls.task_def is s
        assert cls.task == s.name
        assert cls.max_episode_steps == s.max_episode_steps
        assert cls.success_bar == s.success_bar
        assert cls.scene_objects == dict(s.objects)


def _task_models():
    """Every task on the project's model, and the tasks HumanoidBench has on its reference model
    too (the project's composite tasks have no HumanoidBench scene to compare with)."""
    from mwx_sdk.task import get_task

    return [pytest.param(t, w, id=f"{t}-{w or 'project'}") for t in TASKS for w in (None, "reference")
            if w is None or get_task(t).humanoid_bench]


@pytest.mark.parametrize(("task", "which"), _task_models())
def test_smoke(task, which):
    env = _make(task, which)
    obs, info = env.reset(seed=0)
    assert info == {}
    assert obs.shape == (OBS_DIM[task],) == env.observation_space.shape
    assert env.action_space.shape == (19,)
    rng = np.random.default_rng(0)
    for _ in range(10):
        obs, r, term, trunc, info = env.step(rng.uniform(-1, 1, 19).astype(np.float32))
        assert obs.shape == (OBS_DIM[task],) and np.all(np.isfinite(obs))
        assert np.isfinite(r) and isinstance(term, bool) and trunc is False
        assert info["per_timestep_reward"] == r
        assert INFO_KEYS[task] <= set(info) and "success" in info
        if task in ("stand", "walk", "run", "sit_simple", "sit_hard", "walk_sit", "crawl"):
            assert 0.0 <= r <= 1.0
        if term:
            break
    env.close()


@pytest.mark.filterwarnings("ignore:.*Box observation space m:UserWarning")
@pytest.mark.parametrize("task", list(TASKS))
def test_check_env(task):
    env = _make(task, None)
    check_env(env, skip_render_check=True)


def test_seeded_reset_reproduces_episode():
    for task in ("sit_hard", "push", "basketball"):
        a, b = TASKS[task](), TASKS[task]()
        acts = np.random.default_rng(1).uniform(-1, 1, (5, 19))
        oa, _ = a.reset(seed=7)
        ob, _ = b.reset(seed=7)
        np.testing.assert_array_equal(oa, ob)
        for act in acts:
            ra, rb = a.step(act), b.step(act)
            np.testing.assert_array_equal(ra[0], rb[0])
            assert ra[1] == rb[1]
        oc, _ = a.reset(seed=8)
        assert not np.array_equal(oc, ob)


def test_step_mechanics_match_manual_physics():
    env = TASKS["stand"]()
    env.reset(seed=3)
    m = env.model
    d = mujoco.MjData(m)
    d.qpos[:], d.qvel[:] = env.data.qpos, env.data.qvel
    mujoco.mj_forward(m, d)
    a = np.linspace(-1, 1, 19)
    lo, hi = m.actuator_ctrlrange.T.astype(np.float32)  # HumanoidBench's float32 action bounds
    d.ctrl[:] = (a + 1) / 2 * (hi - lo) + lo
    for _ in range(10):
        mujoco.mj_step(m, d)
    mujoco.mj_rnePostConstraint(m, d)
    obs, r, *_ = env.step(a)
    np.testing.assert_allclose(obs, np.concatenate((d.qpos, d.qvel)), atol=1e-12)
    q = H1Quantities(m)
    expect, _ = R.stand_reward(q.head_height(d), q.torso_upright(d), q.com_velocity(d), d.actuator_force)
    assert r == pytest.approx(expect, abs=1e-12)
    assert env.dt == pytest.approx(0.02)


def test_gym_make_timelimit_and_success_bar():
    env = gym.make("mwx/h1-push-v0")
    assert env.spec.max_episode_steps == 500
    env = gym.make("mwx/h1-stand-v0", max_episode_steps=3)
    env.reset(seed=0)
    truncs = [env.step(np.zeros(19))[3] for _ in range(3)]
    assert truncs == [False, False, True]
    base = env.unwrapped
    base.success_bar = 0.5  # the bar is an attribute: the flag follows the return
    base.reset(seed=0)
    flags = [base.step(np.zeros(19))[4]["success"] for _ in range(2)]
    assert flags[-1] is True and base.episode_return >= 0.5


@pytest.mark.parametrize("which", _models())
def test_standing_keyframe_and_fallen_and_moving(which):
    env = _make("stand", which, randomness=0.0)
    env.reset(seed=0)
    q, d, m = env.q, env.data, env.model
    mujoco.mj_forward(m, d)
    assert q.torso_upright(d) == pytest.approx(1.0)
    assert R.standing(q.head_height(d)) == pytest.approx(1.0)
    assert R.upright(q.torso_upright(d)) == 1.0
    preds = env.predicates()
    assert preds["standing"]() and preds["still"]() and not preds["fallen"]()
    # lying on the back: pelvis rotated 90 degrees about y, at 0.15 m
    d.qpos[2] = 0.15
    d.qpos[3:7] = (np.cos(np.pi / 4), 0.0, np.sin(np.pi / 4), 0.0)
    mujoco.mj_forward(m, d)
    r, terms = R.stand_reward(q.head_height(d), q.torso_upright(d), q.com_velocity(d), d.actuator_force)
    assert r < 0.02 and terms["standing"] < 0.05
    assert terms["upright"] == pytest.approx(1 / 1.9, abs=1e-6)
    assert env.predicates()["fallen"]() and bool(env._terminated())
    # whole robot translating at 0.5 m/s along x: MOVE(1) = (5 * 0.5 + 1) / 6
    mujoco.mj_resetDataKeyframe(m, d, 0)
    d.qvel[0] = 0.5
    mujoco.mj_forward(m, d)
    np.testing.assert_allclose(q.com_velocity(d), (0.5, 0.0, 0.0), atol=1e-9)
    r, terms = R.walk_reward(q.head_height(d), q.torso_upright(d), q.com_velocity(d), np.zeros(19))
    assert terms["move"] == pytest.approx(3.5 / 6)
    assert R.move(q.com_velocity(d)[0], 5.0) == pytest.approx((5 * 0.1 + 1) / 6)
    assert env.predicates()["moving"]()


def test_quantities_batch_and_sensor_slices():
    env = TASKS["walk"]()
    env.reset(seed=0)
    q, d = env.q, env.data
    states = np.stack([d.qpos.copy() for _ in range(6)]).reshape(2, 3, -1)
    states[1, :, 0] += 1.0
    qv = np.zeros((2, 3, env.model.nv))
    qv[:, :, 0] = 1.0
    b = q.batch_from_states(mujoco.MjData(env.model), states, qv)
    assert b["head_height"].shape == (2, 3) and b["com_vel"].shape == (2, 3, 3)
    r, terms = R.walk_reward(b["head_height"], b["torso_upright"], b["com_vel"], b["actuator_force"])
    assert r.shape == (2, 3) and np.allclose(terms["move"], 1.0)
    sd = np.tile(d.sensordata, (4, 1))
    np.testing.assert_array_equal(q.sensor(sd, "pelvis_subtreelinvel"), np.tile(q.com_velocity(d), (4, 1)))
    with pytest.raises(KeyError):
        q.sensor(sd, "nope")


def test_model_without_humanoidbench_names_is_refused(tmp_path):
    xml = tmp_path / "box.xml"
    xml.write_text('<mujoco><worldbody><body name="pelvis"><freejoint/><geom size="0.1"/></body></worldbody></mujoco>')
    with pytest.raises(ValueError, match="HumanoidBench H1 naming"):
        H1Quantities(mujoco.MjModel.from_xml_path(str(xml)))
    with pytest.raises(FileNotFoundError):
        TASKS["stand"](model_path=tmp_path / "missing.xml")


def test_task_predicates_and_summary():
    env = TASKS["sit_simple"]()
    env.reset(seed=0)
    preds = env.predicates()
    assert {"standing", "fallen", "moving", "still", "success", "near(chair)", "seated"} <= set(preds)
    assert preds["near(chair)"]() and not preds["seated"]()
    # put the pelvis over the seat at sitting height
    env.data.qpos[:3] = (-0.25, 0.0, 0.7)
    mujoco.mj_forward(env.model, env.data)
    assert env.predicates()["seated"]()
    s = env.state_summary()
    assert set(s) >= {"head_height", "speed", "nearest_objects", "true_predicates"}
    assert "seated" in s["true_predicates"] and "chair" in s["nearest_objects"]
    door = TASKS["door"]()
    door.reset(seed=0)
    p = door.predicates()
    assert not p["door_open"]()
    door.data.qpos[door._door] = 1.0
    assert p["door_open"]()
    pkg = TASKS["package"]()
    pkg.reset(seed=0)
    assert {"holding(package_a)", "at_goal", "near(package_a)", "near(destination)"} <= set(pkg.predicates())
    truck = TASKS["truck"]()
    assert {"near(truck)", "near(table)", "holding(package_c)", "on_table(package_e)"} <= set(truck.predicates())


def test_push_goal_success_terminates():
    env = TASKS["push"]()
    env.reset(seed=0)
    b = env._box_q
    env.goal = env.data.qpos[b : b + 3].copy()  # goal on the box: success within one step
    _, r, term, _, info = env.step(np.zeros(19))
    assert info["success"] is True and term and r > 900


H1HAND_DIMS = {"stand": 151, "door": 155, "push": 163, "reach": 157, "package": 173, "truck": 216, "sit_hard": 164}


def test_bring_your_own_model_h1hand():
    for task, dim in H1HAND_DIMS.items():
        path = reference_model_path(task, robot="h1hand")
        if not path.is_file():
            pytest.skip(f"HumanoidBench reference model {path} is not present")
        env = TASKS[task](model_path=path)
        obs, _ = env.reset(seed=0)
        assert obs.shape == (dim,) and env.action_space.shape == (61,)
        obs, r, *_ = env.step(np.zeros(61))
        assert np.isfinite(r) and obs.shape == (dim,)


def test_constructor_arguments_are_checked():
    name = mujoco.mj_id2name(TASKS["stand"]().model, mujoco.mjtObj.mjOBJ_KEY, 0)
    env = TASKS["stand"](keyframe=name, randomness=0.0)
    o1, _ = env.reset(seed=1)
    o2, _ = env.reset(seed=2)
    np.testing.assert_array_equal(o1, o2)  # no noise: the keyframe itself
    with pytest.raises(ValueError, match="keyframe"):
        TASKS["stand"](keyframe="nope")
    with pytest.raises(ValueError, match="render_mode"):
        TASKS["stand"](render_mode="human")
    with pytest.raises(ValueError, match="randomness"):
        TASKS["stand"](randomness=-1)
    with pytest.raises(ValueError, match="shape"):
        env.step(np.zeros(3))



def test_objects_resolve_to_poses_and_drawn_goals():
    import mwx_sdk

    env = mwx_sdk.make_env("mwx/h1-push-v0")
    env.reset(seed=2)
    base = env.unwrapped
    goal, no_quat = base.object_pose("goal")  # a point the task draws at reset
    np.testing.assert_array_equal(goal, base.goal)
    assert no_quat is None
    box, quat = base.object_pose("box")
    assert box.shape == (3,) and quat.shape == (4,) and abs(np.linalg.norm(quat) - 1) < 1e-9
    assert "near(goal)" in base.predicates()
    with pytest.raises(KeyError, match="has no object 'fridge'; its objects: box, goal, table"):
        base.object_pose("fridge")
    env.close()


def test_object_declarations_are_checked():
    from mwx_sdk.task import Task

    with pytest.raises(ValueError, match="object 'box' must be"):
        Task(name="t", env="m:C", description="d", objects={"box": ("geom", "box")})
    with pytest.raises(ValueError, match="object_words names \\['ball'\\]"):
        Task(name="t", env="m:C", description="d", objects={"box": ("body", "box")},
             object_words={"ball": ("sphere",)})
