"""The six bundled motion-prior skills: discovered through their entry points, shipped priors
are small and valid, parameters are checked, and each acts within bounds on the H1 env."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import mwx_sdk
from mwx_sdk.interfaces import StepContext
from mwx_sdk.motion.clip import load_clip

SKILLS = ("stand", "walk", "run", "sit", "carry", "reach")
SKILLS_DIR = Path(__file__).resolve().parents[2] / "skills"


@pytest.fixture(autouse=True)
def fresh_plugins():
    from mwx_sdk.plugins import reset_plugins

    reset_plugins()
    yield
    reset_plugins()


@pytest.mark.parametrize("name", SKILLS)
def test_registered_through_its_entry_point(name):
    entries = {e.name: e for e in mwx_sdk.list_experts()}
    assert name in entries, "reinstall with `pip install -e . --no-deps` so the entry points exist"
    e = entries[name]
    assert e.plugin == name and e.bundled and e.distribution == "mwx-sdk"
    spec = e.obj.spec
    assert spec.robot == "h1" and spec.action_dim == 19 and spec.name == name
    assert "CMU" in spec.description and "Parameters" in spec.description


@pytest.mark.parametrize("name", SKILLS)
def test_shipped_prior_is_small_valid_and_in_h1_joint_order(name):
    path = SKILLS_DIR / name / "prior.npz"
    assert path.stat().st_size < 300 * 1024
    clip = load_clip(path)
    assert clip.robot == "h1" and clip.fps == 50.0
    try:
        from mwx_sdk.envs.h1_constants import JOINT_NAMES
    except ImportError:
        pytest.skip("mwx_sdk.envs.h1_constants is not available")
    assert clip.joint_names == tuple(JOINT_NAMES)
    assert "mocap.cs.cmu.edu" in clip.license
    assert clip.meta["quality"]["joint_limit_violation_max"] == 0.0


@pytest.fixture(scope="module")
def env():
    try:
        e = mwx_sdk.make_env("mwx/h1-stand-v0")
    except Exception as exc:  # the env provider is another package of the SDK
        pytest.skip(f"mwx/h1-stand-v0 is not available: {exc}")
    yield e
    e.close()


@pytest.mark.parametrize("name", SKILLS)
def test_acts_within_bounds_for_50_steps(env, name):
    expert = mwx_sdk.get_expert(name)
    obs, _ = env.reset(seed=0)
    ctx = StepContext(env=env, dt=0.02)
    expert.reset(ctx)
    refs = []
    for t in range(50):
        ctx.step = t
        a = expert.act(obs, ctx)
        assert a.shape == (19,) and np.all(np.isfinite(a)) and np.all(np.abs(a) <= 1.0)
        refs.append(expert.reference_qpos(ctx))
        obs, _, terminated, truncated, _ = env.step(a)
        if terminated or truncated:
            obs, _ = env.reset(seed=t)
    refs = np.array(refs)
    if name != "stand":  # every motion prior moves within a second; stand holds still
        assert np.abs(refs[-1] - refs[0]).max() > 0.05
    else:
        assert np.abs(np.diff(refs, axis=0)).max() < 1e-9
    assert expert.embedding().shape == (20,)


def test_parameters_shape_the_motion():
    walk_slow, walk_fast = mwx_sdk.get_expert("walk", speed=0.7), mwx_sdk.get_expert("walk", speed=1.4)
    assert walk_fast.config.speed == pytest.approx(2 * walk_slow.config.speed)
    stride = mwx_sdk.get_expert("walk", style="stride")
    assert stride.clip.source.endswith("08_05.bvh") and walk_slow.clip.source.endswith("07_01.bvh")
    with pytest.raises(ValueError, match="walk style"):
        mwx_sdk.get_expert("walk", style="moonwalk")
    with pytest.raises(ValueError, match="0.3-2.0 m/s"):
        mwx_sdk.get_expert("walk", speed=9.0)
    with pytest.raises(ValueError, match="1.5-6.0 m/s"):
        mwx_sdk.get_expert("run", speed=0.5)
    deep, shallow = mwx_sdk.get_expert("sit"), mwx_sdk.get_expert("sit", pelvis_height=0.75)
    assert shallow.config.end_time < deep.config.end_time
    ctx = StepContext(step=500)
    assert shallow.finished(ctx) and shallow.clip.sample(shallow.phase_time(ctx))["root_pos"][2] == pytest.approx(0.75, abs=0.03)
    with pytest.raises(ValueError, match="pelvis_height"):
        mwx_sdk.get_expert("sit", pelvis_height=2.0)
    low, high = mwx_sdk.get_expert("reach", target_height=0.4), mwx_sdk.get_expert("reach", target_height=1.0)
    for ex, target in ((low, 0.4), (high, 1.0)):
        names = list(ex.clip.keypoint_names)
        f = int(round(ex.config.end_time * ex.clip.fps))
        hands = ex.clip.keypoints[f, [names.index("left_wrist"), names.index("right_wrist")], 2].mean()
        assert hands == pytest.approx(target, abs=0.08)
    with pytest.raises(ValueError, match="carry stage"):
        mwx_sdk.get_expert("carry", stage="drop")
    assert mwx_sdk.get_expert("carry", stage="carry_walk").config.start_time > 0
