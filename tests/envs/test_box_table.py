"""The composite task box_table: a box on the floor 1.5-2.5 m ahead, a table 1 m beyond it;
success = the box resting on the table top for 1 s."""

from __future__ import annotations

import numpy as np

import mwx_sdk
from mwx_sdk.envs.tasks.box_table import BOX_HALF, BOX_X, RESTING_STEPS, TABLE_TOP, TABLE_X, BoxTableEnv


def test_the_box_is_ahead_by_the_seeded_distance_and_the_table_beyond_it():
    starts = []
    for seed in range(6):
        env = mwx_sdk.make_env("mwx/h1-box_table-v0")
        env.reset(seed=seed)
        base = env.unwrapped
        x = float(base.data.qpos[0])
        assert 1.5 <= BOX_X - x <= 2.5
        np.testing.assert_allclose(base.object_position("box")[:2], [BOX_X, 0.0], atol=0.011)  # reset noise
        np.testing.assert_allclose(base.object_position("table"), [TABLE_X, 0.0, TABLE_TOP])
        starts.append(x)
        env.close()
    assert len(set(starts)) == len(starts)


def test_reward_terms_grade_lifting_and_placing():
    env = mwx_sdk.make_env("mwx/h1-box_table-v0")
    env.reset(seed=0)
    _, r, _, _, info = env.step(np.zeros(env.action_space.shape))
    assert info["lifted"] < 0.02 and info["on_table"] < 0.3 and 0.0 <= r < 0.3
    base = env.unwrapped
    base.data.qpos[base._box_q : base._box_q + 7] = (TABLE_X, 0.0, TABLE_TOP + BOX_HALF + 0.001, 1, 0, 0, 0)
    base.data.qvel[base._box_v : base._box_v + 6] = 0.0
    import mujoco

    mujoco.mj_forward(base.model, base.data)
    _, _, _, _, info = env.step(np.zeros(env.action_space.shape))
    assert info["lifted"] == 1.0 and info["on_table"] > 0.95 and info["resting_steps"] == 1
    assert base.predicates()["on_table(box)"]()
    env.close()


class _BoxAlwaysResting(BoxTableEnv):
    """The success counter on its own: a box that counts as resting on the table at every step."""

    terminate_height = None

    def on_table(self) -> bool:
        return True


def test_success_is_one_second_on_the_table_and_ends_the_episode():
    env = _BoxAlwaysResting()
    env.reset(seed=0)
    zero = np.zeros(env.action_space.shape)
    for k in range(1, RESTING_STEPS):
        _, _, terminated, _, info = env.step(zero)
        assert info["resting_steps"] == k and not info["success"] and not terminated
    _, _, terminated, _, info = env.step(zero)
    assert info["success"] and terminated
    env.close()


def test_the_instruction_picks_it_and_names_its_objects():
    from mwx_cli.run import pick_env

    assert pick_env("pick up the box and put it on the table") == "mwx/h1-box_table-v0"
    env = mwx_sdk.make_env("mwx/h1-box_table-v0")
    agent = mwx_sdk.compose(env=env, planner="direct", vlm="lexical")
    env.reset(seed=0)
    plan = agent.reset("pick up the box and put it on the table", env)
    # the walk to the box is implied (the box is 1.5-2.5 m away), and "put it" is done on the table
    assert [(sg.target, sg.destination, sg.predicate, sg.implied) for sg in plan.subgoals] == [
        ("box", None, "near(box)", True), ("box", None, "holding(box)", False),
        ("box", "table", "on_table(box)", False)]
    assert agent.ctx.subgoal_index == 0 and plan.subgoals[0].lead == "walk"
    env.close()


def test_the_planner_is_paid_to_walk_up_to_the_box_then_for_the_box():
    from mwx_sdk.envs.tasks.box_table import PICK_STANDOFF, _walk_up_then_box, box_table_reward

    n = 3
    box = np.tile([BOX_X, 0.0, BOX_HALF], (n, 1))
    common = {"box_pos": box, "left_hand": np.tile([0.0, 0.3, 0.9], (n, 1)),
              "right_hand": np.tile([0.0, -0.3, 0.9], (n, 1)), "head_height": np.full(n, 1.65),
              "torso_upright": np.ones(n), "actuator_force": np.zeros((n, 19))}
    moving = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [-1.0, 0.0, 0.0]])
    # 1.5 m short of the spot before the box: still, walking to it at 1 m/s, walking away
    far = np.tile([BOX_X - PICK_STANDOFF - 1.5, 0.0, 0.98], (n, 1))
    still, toward, away = _walk_up_then_box(**common, pelvis_pos=far, com_vel=moving)
    assert toward > 3 * still and toward > 3 * away
    # at the spot: the box-table reward, whatever the gait
    at = np.tile([BOX_X - PICK_STANDOFF, 0.0, 0.98], (n, 1))
    r = _walk_up_then_box(**common, pelvis_pos=at, com_vel=moving)
    expect, _ = box_table_reward(box, common["left_hand"], common["right_hand"], common["head_height"],
                                 common["torso_upright"])
    np.testing.assert_allclose(r, expect)
