"""Imitation reward: values checkable by hand, batching, per-term outputs, validation."""

from __future__ import annotations

import numpy as np
import pytest

from mwx_sdk.motion.imitation import ImitationRewardConfig, imitation_energy, imitation_reward


def test_reference_scores_one_and_errors_score_exp_minus_energy():
    q = np.zeros(4)
    assert imitation_reward(q, q) == pytest.approx(1.0)
    # 0.2 rad on every joint: mean squared error 0.04, w_pos 5 -> E = 0.2
    assert imitation_reward(q + 0.2, q) == pytest.approx(np.exp(-0.2))
    # one joint off by 1 rad out of 4: mean 0.25 -> E = 1.25
    assert imitation_reward(np.array([1.0, 0, 0, 0]), q) == pytest.approx(np.exp(-1.25))
    cfg = ImitationRewardConfig(w_pos=1.0, w_vel=0.5, w_height=10.0)
    r, terms = imitation_reward(
        q + 1.0, q, qd=np.full(4, 2.0), qd_ref=np.zeros(4), height=0.9, height_ref=1.0, config=cfg, return_terms=True
    )
    # E = 1*1 + 0.5*4 + 10*0.01 = 3.1, and the reward is the product of the per-term rewards
    assert r == pytest.approx(np.exp(-3.1))
    assert terms["r_pos"] * terms["r_vel"] * terms["r_height"] == pytest.approx(r)
    assert terms["e_vel"] == pytest.approx(4.0)


def test_broadcasts_over_rollout_batches():
    rng = np.random.default_rng(0)
    n, h, j = 7, 3, 19
    q = rng.normal(size=(n, h, j))
    q_ref = rng.normal(size=(h, j))  # one reference per horizon step, shared by all samples
    r = imitation_reward(q, q_ref)
    assert r.shape == (n, h)
    for a in range(n):
        for b in range(h):
            assert r[a, b] == pytest.approx(imitation_reward(q[a, b], q_ref[b]))
    assert np.all((r > 0) & (r <= 1))


def test_joint_weights_and_validation():
    cfg = ImitationRewardConfig(w_pos=1.0, joint_weights=(2.0, 0.0))  # normalised to mean 1
    e = imitation_energy(np.array([1.0, 5.0]), np.zeros(2), config=cfg)
    assert e["pos"] == pytest.approx(1.0)  # (2*1 + 0*25) / 2
    with pytest.raises(ValueError, match="w_pos"):
        ImitationRewardConfig(w_pos=-1)
    with pytest.raises(ValueError, match="both qd and qd_ref"):
        imitation_reward(np.zeros(2), np.zeros(2), qd=np.zeros(2))
    with pytest.raises(ValueError, match="joint_weights has 2 entries"):
        imitation_energy(np.zeros(3), np.zeros(3), config=cfg)
