"""Router maths: the fusion formula, nearest-reference state selection, training, checkpoints."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "agent"))
from fakes import ConstantExpert, ToyEnv
from mwx_plugins.routers import FusionRouter, SemanticRouter, StateRouter, SwitchRouter, UniformRouter

from mwx_sdk.interfaces import StepContext

EMB = [[0.0, 1.0], [1.0, 1.0], [3.0, 1.0]]


def _experts(emb=EMB):
    return [ConstantExpert(n, 0.0, embedding=e) for n, e in zip("abc", emb)]


def _ctx():
    return StepContext(env=ToyEnv())


def _manual_p(x, temperature=0.5):
    psi = np.array(EMB, dtype=float)
    mu, std = psi.mean(0), psi.std(0)
    sig = np.maximum(std, max(0.1 * std.mean(), 1e-3))
    xn, pn = (np.asarray(x) - mu) / sig, (psi - mu) / sig
    logits = -((xn - pn) ** 2).sum(1) / (psi.shape[1] * temperature)
    e = np.exp(logits - logits.max())
    return e / e.sum()


@pytest.mark.parametrize("x", [[0.0, 1.0], [0.9, 1.0], [2.5, 1.0], [-4.0, 0.0]])
def test_state_probs_are_softmax_of_negative_normalised_distance(x):
    r = FusionRouter()
    r.reset(_experts(), _ctx())
    p = r.state_probs(np.array(x))
    assert np.allclose(p, _manual_p(x))
    assert int(np.argmax(p)) == int(np.argmin([np.sum((np.array(x) - e) ** 2) for e in np.array(EMB)]))


def test_smoothing_averages_the_state_term_over_time():
    w = np.array([0.1, 0.2, 0.7])
    near_a, near_c = np.array([0.0, 1.0]), np.array([3.0, 1.0])
    tau, dt = 0.3, 0.02
    r = FusionRouter(smoothing=tau)
    ctx = StepContext(env=ToyEnv(), dt=dt)
    r.reset(_experts(), ctx)
    # the first step starts the average at p(i|s) itself: plain fusion
    assert np.allclose(r.weights(near_a, w, ctx), 0.7 * w + 0.3 * _manual_p(near_a))
    # the state jumps next to expert c: the state term moves dt / (tau + dt) of the way
    k = dt / (tau + dt)
    avg = _manual_p(near_a) + k * (_manual_p(near_c) - _manual_p(near_a))
    fused = r.weights(near_c, w, ctx)
    assert np.allclose(fused, 0.7 * w + 0.3 * avg)
    assert np.allclose(r.state_weights(), avg) and abs(fused.sum() - 1) < 1e-12
    # held there for 5 tau, the average reaches the new state's p(i|s) within 1 %
    for _ in range(int(5 * tau / dt)):
        fused = r.weights(near_c, w, ctx)
    assert np.allclose(r.state_weights(), _manual_p(near_c), atol=0.01)
    # reset forgets the average
    r.reset(_experts(), ctx)
    assert np.allclose(r.weights(near_a, w, ctx), 0.7 * w + 0.3 * _manual_p(near_a))
    with pytest.raises(ValueError, match="smoothing"):
        FusionRouter(smoothing=-0.1)


def test_fusion_formula_and_alpha_extremes():
    w = np.array([0.1, 0.2, 0.7])
    obs = np.array([0.0, 1.0])
    for cls, alpha in ((FusionRouter, 0.7), (SemanticRouter, 1.0), (StateRouter, 0.0)):
        r = cls()
        r.reset(_experts(), _ctx())
        fused = r.weights(obs, w, _ctx())
        p = _manual_p(obs)
        assert np.allclose(fused, alpha * w + (1 - alpha) * p), cls.name
        assert abs(fused.sum() - 1) < 1e-12 and np.all(fused >= 0)
    r = FusionRouter(alpha=0.25)
    r.reset(_experts(), _ctx())
    assert np.allclose(r.weights(obs, w, _ctx()), 0.25 * w + 0.75 * _manual_p(obs))
    with pytest.raises(ValueError, match="fixes alpha"):
        SemanticRouter(alpha=0.5)
    with pytest.raises(ValueError, match=r"alpha must be in \[0, 1\]"):
        FusionRouter(alpha=1.5)


def test_switch_and_uniform():
    r = SwitchRouter()
    r.reset(_experts(), _ctx())
    out = r.weights(np.array([3.0, 1.0]), np.array([0.3, 0.4, 0.3]), _ctx())
    assert out.tolist() == [0.0, 0.0, 1.0] or out.tolist() == [0.0, 1.0, 0.0]
    assert out.sum() == 1.0 and np.count_nonzero(out) == 1
    u = UniformRouter()
    u.reset(_experts(), _ctx())
    assert np.allclose(u.weights(np.zeros(2), np.array([1.0, 0, 0]), _ctx()), 1 / 3)


def test_missing_embeddings_get_no_state_preference():
    experts = [ConstantExpert("a", 0, embedding=[0.0, 1.0]), ConstantExpert("b", 0), ConstantExpert("c", 0, embedding=[2.0, 1.0])]
    r = FusionRouter()
    r.reset(experts, _ctx())
    p = r.state_probs(np.array([1.0, 1.0]))  # equidistant from a and c
    assert np.allclose(p, p[0]) or abs(p[0] - p[2]) < 1e-12
    none = [ConstantExpert(n, 0) for n in "ab"]
    r.reset(none, _ctx())
    assert np.allclose(r.state_probs(np.zeros(2)), 0.5)


def test_embedding_size_mismatch_is_explained():
    r = FusionRouter()
    with pytest.raises(ValueError, match="cannot match a state feature"):
        r.reset(_experts([[0.0] * 5, [1.0] * 5, [2.0] * 5]), _ctx())
    with pytest.raises(ValueError, match="different sizes"):
        r.reset(_experts([[0.0, 1.0], [1.0] * 3, [2.0, 1.0]]), _ctx())


def test_fit_moves_selection_towards_labels_and_checkpoint_roundtrip(tmp_path):
    r = FusionRouter(temperature=1.0)
    r.reset(_experts(), _ctx())
    rng = np.random.default_rng(0)
    X = np.c_[rng.uniform(-1, 4, 200), np.ones(200)]
    # demonstrations say: left of 2.0 use expert b, right use c (a never)
    y = np.where(X[:, 0] < 2.0, 1, 2)
    before = np.mean([np.argmax(r.state_probs(x)) == t for x, t in zip(X, y)])
    losses = r.fit(X, y, epochs=400, lr=1.0)
    after = np.mean([np.argmax(r.state_probs(x)) == t for x, t in zip(X, y)])
    assert losses[-1] < losses[0] and after > before and after >= 0.9, (before, after)
    r.save(tmp_path / "router")
    cfg = json.loads((tmp_path / "router" / "config.json").read_text())
    assert cfg["type"] == "mwx.fusion_router" and cfg["experts"] == ["a", "b", "c"]
    r2 = FusionRouter.load(tmp_path / "router")
    r2.reset(_experts(), _ctx())
    for x in X[:20]:
        assert np.allclose(r2.state_probs(x), r.state_probs(x))
    with pytest.raises(ValueError, match="expects experts"):
        r2.reset(list(reversed(_experts())), _ctx())
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        r.fit(np.zeros((3, 5)), np.zeros(3, int))
    with pytest.raises(FileNotFoundError, match="not a router checkpoint"):
        FusionRouter(checkpoint=str(tmp_path))


def test_damaged_checkpoints_are_explained(tmp_path):
    r = FusionRouter()
    r.reset(_experts(), _ctx())
    folder = r.save(tmp_path / "router")
    with pytest.raises(FileNotFoundError, match="not a router checkpoint"):
        FusionRouter.load(tmp_path / "absent")
    (folder / "config.json").write_text("{truncated")
    with pytest.raises(ValueError, match="not valid JSON"):
        FusionRouter.load(folder)
    (folder / "config.json").write_text(json.dumps({"type": "mwx.fusion_router", "version": 1}))
    with pytest.raises(ValueError, match=r"lacks \['experts', 'num_experts', 'feature_dim'\]"):
        FusionRouter.load(folder)
    (folder / "config.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="expected 'mwx.fusion_router'"):
        FusionRouter(checkpoint=str(folder))


def test_soft_targets_distillation():
    r = FusionRouter()
    r.reset(_experts(), _ctx())
    X = np.tile([[1.0, 1.0]], (50, 1))
    target = np.array([0.1, 0.1, 0.8])
    r.fit(X, np.tile(target, (50, 1)), epochs=500, lr=0.5, l2=0.0)
    assert np.allclose(r.state_probs(X[0]), target, atol=0.02)
