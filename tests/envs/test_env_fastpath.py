"""The envs' per-step scalar reward path against the vectorised reference functions.

Every task env computes its reward and info terms in closed form on Python floats
(:mod:`mwx_sdk.envs.scalar`); :mod:`mwx_sdk.envs.rewards` holds the vectorised functions the
planners use. On random physical states both must give the same values: identical up to the
last bit of ``exp`` (libm against numpy's SIMD loops), hence the 1e-15-relative bound.
"""

from __future__ import annotations

import mujoco
import numpy as np
import pytest

from mwx_sdk.envs import rewards as R
from mwx_sdk.envs import scalar as S
from mwx_sdk.envs.tasks import TASKS
from mwx_sdk.envs.tasks.truck import _min_tol, _on_table

N_STATES = 24
RTOL = 2e-15  # a few ulp: math.exp and numpy's exp may differ in the last bit


def _random_states(env, rng, n):
    """Yield after writing n random, forwarded states (wide ranges so every branch is hit)."""
    m, d = env.model, env.data
    for i in range(n):
        env.reset(seed=int(rng.integers(1 << 30)))
        a = env.q.root_qposadr
        d.qpos[:] += rng.uniform(-0.4, 0.4, m.nq)
        d.qpos[a + 2] = rng.uniform(0.3, 1.2)
        env._normalize_quats()
        d.qvel[:] = rng.normal(0.0, 1.5, m.nv)
        # small controls near the joints keep some actuator forces inside the quadratic band
        d.ctrl[:] = env._mid + env._half * rng.uniform(-1, 1, m.nu) * (0.05 if i % 2 else 1.0)
        mujoco.mj_forward(m, d)
        yield i


def _reference(task, env, states):
    """The vectorised reward of ``task`` on the stacked per-state quantities."""
    s = {k: np.array([st[k] for st in states]) for k in states[0]}
    if task == "stand":
        return R.stand_reward(s["head"], s["up"], s["vel"], s["force"])
    if task in ("walk", "run"):
        return R.walk_reward(s["head"], s["up"], s["vel"], s["force"], env.speed)
    if task in ("sit_simple", "sit_hard", "walk_sit"):
        return R.sit_reward(s["root"], s["chair"], s["head"], s["imu"][:, 2], s["up"], s["vel"], s["force"])
    if task == "crawl":
        return R.crawl_reward(s["head"], s["imu"], s["pquat"], s["vel"], s["force"])
    if task == "reach":
        return R.reach_reward(s["lh"], s["goal"], s["pup"], s["rqvel"])
    if task in ("door", "door_wall"):
        # door_wall's passage line moves with its door (3.8 m instead of HumanoidBench's 0.8 m)
        shift = 3.0 if task == "door_wall" else 0.0
        # and its door opens away from the robot: the open term reads the negated hinge angle
        swing = -1.0 if task == "door_wall" else 1.0
        return R.door_reward(swing * s["door"], s["hatch"], s["hatch_pos"], s["lh"], s["rh"], s["imu"][:, 0] - shift,
                             s["head"], s["up"], s["force"])
    if task == "push":
        return R.push_reward(s["box"], s["goal"], s["lh"])
    if task == "package":
        return R.package_reward(s["pkg"], s["dest"], s["lh"], s["rh"], s["head"], s["up"], s["force"])
    if task == "basketball":
        return R.basketball_reward(s["ball"], s["hoop"], s["lh"], s["rh"], s["head"], s["up"], s["force"],
                                   s["throw"])
    if task == "box_table":
        from mwx_sdk.envs.tasks.box_table import box_table_reward

        return box_table_reward(s["box"], s["lh"], s["rh"], s["head"], s["up"])
    raise KeyError(task)


def _quantities(env):
    q, d = env.q, env.data
    out = {
        "head": q.head_height(d), "up": q.torso_upright(d), "pup": q.pelvis_upright(d),
        "vel": q.com_velocity(d).copy(), "force": d.actuator_force.copy(), "root": q.root_pos(d).copy(),
        "imu": q.imu_pos(d).copy(), "lh": q.left_hand_pos(d).copy(), "rh": q.right_hand_pos(d).copy(),
        "pquat": q.pelvis_quat(d).copy(), "rqvel": d.qvel[: q.robot_nv].copy(),
    }
    task = env.task
    if task.startswith("sit") or task == "walk_sit":
        out["chair"] = d.xpos[env._chair].copy()
    elif task in ("reach", "push"):
        out["goal"] = np.array(env.goal, dtype=np.float64)
        if task == "push":
            out["box"] = d.qpos[env._box_q : env._box_q + 3].copy()
    elif task in ("door", "door_wall"):
        out.update(door=d.qpos[env._door], hatch=d.qpos[env._hatch], hatch_pos=d.xpos[env._hatch_body].copy())
    elif task == "box_table":
        out["box"] = d.qpos[env._box_q : env._box_q + 3].copy()
    elif task == "package":
        out.update(pkg=d.qpos[env._pkg_q : env._pkg_q + 3].copy(), dest=d.site_xpos[env._dest].copy())
    elif task == "basketball":
        out.update(ball=d.qpos[env._ball_q : env._ball_q + 3].copy(), hoop=d.site_xpos[env._hoop].copy())
    return out


@pytest.mark.parametrize("task", [t for t in TASKS if t != "truck"])
def test_scalar_reward_path_equals_vectorised_reference(task):
    env = TASKS[task]()
    rng = np.random.default_rng(7)
    fast, states = [], []
    for i in _random_states(env, rng, N_STATES):
        if task in ("door", "door_wall"):  # spread the hinge angles over closed / half open / open
            env.data.qpos[env._door] = env.swing * rng.uniform(-0.5, 1.5)
            env.data.qpos[env._hatch] = rng.uniform(-0.5, 2.5)
            mujoco.mj_forward(env.model, env.data)
        if task == "basketball":
            env.throw_stage = bool(i % 2)
        r, info = env._reward_info()
        assert info["per_timestep_reward"] == r
        qs = _quantities(env)
        if task == "basketball":
            qs["throw"] = env.throw_stage  # the fast path may have switched it on (ball contact)
        fast.append((r, info))
        states.append(qs)
    ref_r, ref_terms = _reference(task, env, states)
    np.testing.assert_allclose([r for r, _ in fast], ref_r, rtol=RTOL, atol=1e-15)
    for k, ref in ref_terms.items():
        got = np.array([info[k] for _, info in fast])
        if ref.dtype == bool:
            np.testing.assert_array_equal(got, ref, err_msg=k)
        else:
            np.testing.assert_allclose(got, ref, rtol=RTOL, atol=1e-15, err_msg=k)
    # the states exercised both sides of the shaping (not only saturated terms)
    for k in ("standing", "small_control", "sitting", "door_openness_reward", "hand_dist"):
        if k in ref_terms:
            assert np.ptp(ref_terms[k]) > 0, k
    env.close()


def test_truck_scalar_terms_equal_reference():
    env = TASKS["truck"]()
    rng = np.random.default_rng(3)
    for _ in _random_states(env, rng, 12):
        # pretend some packages were picked so every shaped term is active
        env.on_truck, env.picked, env.on_table = ["package_a", "package_b"], ["package_c", "package_d"], []
        env.z0 = {p: 10.0 for p in env._pkg}  # nothing counts as lifted off the truck
        r, info = env._reward_info()
        d = env.data
        pos = {p: d.xpos[i].copy() for p, i in env._pkg.items()}
        ref_r, ref = R.truck_shaped_reward(env.q.torso_upright(d), env.q.root_pos(d).copy(), d.xpos[env._table].copy(),
                                           [pos[p] for p in env.on_truck], [pos[p] for p in env.picked])
        moved = 100.0 * len(env.on_table)  # +100 per picked package this call found on the table
        assert r == pytest.approx(ref_r + moved, rel=RTOL, abs=1e-12)
        for k, v in ref.items():
            assert info[k] == pytest.approx(v, rel=RTOL, abs=1e-15), k
    pts = rng.uniform((1.5, -2.2, 0.3), (2.5, -1.2, 0.7), (400, 3))
    np.testing.assert_array_equal([_on_table(p.tolist()) for p in pts], R.truck_on_table(pts))
    dists = rng.uniform(0.0, 5.0, 7).tolist()
    assert _min_tol(dists) == R._min_tol(dists)
    assert _min_tol([]) == R._min_tol([]) == 0.0


def test_scalar_building_blocks_equal_vectorised():
    rng = np.random.default_rng(11)
    x = np.concatenate([rng.uniform(-3, 3, 300), [-1.0, 0.0, 0.2, 0.68, 0.72, 0.9, 1.65, 2.0]])
    for lo, hi, margin in ((0.68, 0.72, 0.2), (0.0, 0.0, 0.1), (1.2, np.inf, 1.0), (-0.19, 0.19, 0.2)):
        ref = R.tolerance(x, (lo, hi), margin)
        np.testing.assert_allclose([S.gauss_tol(v, lo, hi, margin) for v in x.tolist()], ref, rtol=RTOL, atol=1e-300)
        ref = R.tolerance(x, (lo, hi), margin, "linear")
        np.testing.assert_array_equal([S.linear_tol(v, lo, hi, margin, S.LINEAR_01) for v in x.tolist()], ref)
        ref = R.tolerance(x, (lo, hi), margin, "linear", 0.0)
        np.testing.assert_array_equal([S.linear_tol(v, lo, hi, margin, S.LINEAR_0) for v in x.tolist()], ref)
    np.testing.assert_allclose([S.standing(v) for v in x.tolist()], R.standing(x), rtol=RTOL, atol=1e-300)
    np.testing.assert_array_equal([S.upright(v, 0.95, 0.9) for v in x.tolist()], R.upright(x, 0.95, 0.9))
    np.testing.assert_array_equal([S.move(v, 5.0) for v in x.tolist()], R.move(x, 5.0))
    v = rng.normal(0, 2, (200, 3))
    np.testing.assert_allclose([S.dont_move(a, b) for a, b, _ in v.tolist()], R.dont_move(v), rtol=RTOL)
    f = rng.normal(0, 12, (200, 19))
    np.testing.assert_allclose([S.small_control(r) for r in f.tolist()], R.small_control(f), rtol=RTOL)
    a, b = rng.normal(0, 2, (200, 3)), rng.normal(0, 2, (200, 3))
    np.testing.assert_array_equal([S.dist(p, q) for p, q in zip(a.tolist(), b.tolist())], R._norm(a - b))


def _expected_obs(env):
    """The observation written out field by field (HumanoidBench order)."""
    q, d = env.q, env.data
    task = env.task
    robot = (d.qpos[: q.dof], d.qvel[: q.robot_nv])
    if task == "reach":
        return np.concatenate((*robot, q.left_hand_pos(d), env.goal))
    if task == "push":
        b, v = env._box_q, env._box_v
        return np.concatenate((*robot, q.left_hand_pos(d), env.goal, d.qpos[b : b + 3], d.qvel[v : v + 3]))
    if task == "package":
        a, v = env._pkg_q, env._pkg_v
        return np.concatenate((*robot, d.site_xpos[env._dest], d.qpos[a : a + 7], d.qvel[v : v + 6],
                               q.left_hand_pos(d), q.right_hand_pos(d)))
    return np.concatenate((d.qpos, d.qvel))


@pytest.mark.parametrize("task", list(TASKS))
def test_gathered_obs_and_concatenating_fallback(task, monkeypatch):
    from mwx_sdk.envs import base

    env = TASKS[task]()
    assert env._buf is not None  # MjData keeps the gathered fields in one buffer
    monkeypatch.setattr(base, "_MAX_SPAN", 0)  # forces the concatenating fallback
    slow = TASKS[task]()
    assert slow._buf is None
    rng = np.random.default_rng(5)
    for e in (env, slow):
        e.reset(seed=1)
    for _ in range(3):
        a = rng.uniform(-1, 1, 19)
        o1, r1, t1, _, i1 = env.step(a)
        o2, r2, t2, _, i2 = slow.step(a)
        np.testing.assert_array_equal(o1, _expected_obs(env))
        np.testing.assert_array_equal(o1, o2)
        assert (r1, t1) == (r2, t2) and i1 == i2
    # a fresh array every step: earlier observations keep their values
    o_prev = env.step(rng.uniform(-1, 1, 19))[0].copy()
    o_keep = env._get_obs()
    env.step(rng.uniform(-1, 1, 19))
    np.testing.assert_array_equal(o_keep, o_prev)


def test_float_buffer_keeps_its_data_alive():
    import gc
    import weakref

    from mwx_sdk.envs.base import float_buffer

    model = mujoco.MjModel.from_xml_string('<mujoco><worldbody><body><freejoint/><geom size=".1"/></body></worldbody></mujoco>')
    data = mujoco.MjData(model)
    ref = weakref.ref(data)
    buf, offsets = float_buffer(data)
    assert buf is not None
    data.qpos[2] = 5.0
    del data
    gc.collect()
    assert ref() is not None and buf[offsets["qpos"] + 2] == 5.0


def test_an_empty_field_anywhere_in_memory_does_not_spoil_the_view():
    """A model without sensors has an empty ``sensordata`` that numpy may place anywhere; the
    view spans the fields that have elements."""
    from mwx_sdk.envs.base import float_buffer

    class Data:  # the fields as one buffer, as MjData holds them, and one empty array elsewhere
        def __init__(self):
            self.block = np.arange(10.0)
            self.qpos, self.qvel = self.block[0:4], self.block[6:10]
            self.sensordata = np.empty(0)

    data = Data()
    buf, offsets = float_buffer(data, ("qpos", "sensordata", "qvel"))
    assert buf is not None and offsets["qpos"] == 0 and offsets["qvel"] == 6 and offsets["sensordata"] == 0
    np.testing.assert_array_equal(buf[offsets["qvel"]:offsets["qvel"] + 4], data.qvel)
