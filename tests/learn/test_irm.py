"""IRM: stage-1 KL decreases, the trained network agrees with the teacher on held-out
phrasings, checkpoints round-trip, and the router plugin routes without a VLM."""

from __future__ import annotations

import numpy as np
import pytest

from mwx_sdk.interfaces import Expert, ExpertSpec, SemanticPlan, StepContext, SubGoal, VLMBackend
from mwx_sdk.learn.checkpoint import CheckpointError
from mwx_sdk.learn.irm import (
    InstructionEncoder,
    IRMConfig,
    IRMTrainer,
    agreement,
    load_irm,
    save_irm,
    vlm_targets,
)
from mwx_sdk.learn.irm_data import instruction_sets

NAMES = ["stand", "walk", "sit", "reach"]
KEYWORDS = {"stand": ["stand", "still", "balance", "upright", "wait", "stay", "freeze"],
            "walk": ["walk", "stroll", "step", "march", "foot", "proceed"],
            "sit": ["sit", "seat", "chair", "stool", "bench", "crouch"],
            "reach": ["reach", "touch", "grab", "hand", "arm", "grasp", "point"]}


class KeywordVLM(VLMBackend):
    """A deterministic backend: softmax over keyword hits per expert."""

    name = "keyword"

    def interpret(self, instruction, experts, *, image=None, state=None, predicates=()):
        text = instruction.lower()
        scores = np.array([sum(w in text for w in KEYWORDS.get(e.name, [e.name])) for e in experts], float)
        w = np.exp(3 * scores)
        w /= w.sum()
        return SemanticPlan(instruction, [SubGoal(instruction, {e.name: float(x) for e, x in zip(experts, w)})])


class Named(Expert):
    def __init__(self, name):
        self.spec = ExpertSpec(name=name, description=name, robot="h1", action_dim=2)

    def act(self, obs, ctx):
        return np.zeros(2)


def _train(tmp_path=None, epochs=150):
    specs = [Named(n).spec for n in NAMES]
    train, held = instruction_sets(NAMES, seed=0)
    assert not set(train) & set(held)
    vlm = KeywordVLM()
    y_tr, y_ho = vlm_targets(train, specs, vlm), vlm_targets(held, specs, vlm)
    enc = InstructionEncoder("hash")
    cfg = IRMConfig(experts=tuple(NAMES), encoder="hash", embed_dim=enc.dim, state_dim=20, hidden=64)
    tr = IRMTrainer(cfg, seed=0)
    losses = tr.stage1(enc.encode(train), y_tr, epochs)
    return tr, enc, losses, (train, y_tr), (held, y_ho)


def test_stage1_loss_decreases_and_generalises():
    tr, enc, losses, (train, y_tr), (held, y_ho) = _train()
    assert losses[-1] < 0.3 * losses[0], (losses[0], losses[-1])
    net = tr.numpy_net()
    assert agreement(net, enc, train, y_tr) > 0.95
    assert agreement(net, enc, held, y_ho) >= 0.75  # held-out phrasings, hashed bag of words


def test_stage2_moves_weights_towards_demonstration():
    tr, enc, _, (train, y_tr), _ = _train(epochs=60)
    demo = "have a seat over there"
    before = tr.numpy_net().weights(enc.encode([demo]))[0]
    target = np.array([[0.0, 0.0, 1.0, 0.0]], np.float32)
    tr.stage2(enc.encode([demo]), target, None, 60, enc.encode(train), y_tr)
    after = tr.numpy_net().weights(enc.encode([demo]))[0]
    assert after[2] > before[2] and after[2] > 0.6


def test_checkpoint_and_router(tmp_path):
    from mwx_plugins.irm import IRMRouter

    tr, enc, _, _, _ = _train(epochs=100)
    save_irm(tmp_path / "irm", tr.cfg, tr.params())
    net = load_irm(tmp_path / "irm")
    e = enc.encode(["sit on the chair"])
    np.testing.assert_allclose(net.weights(e), tr.numpy_net().weights(e), rtol=1e-6)
    router = IRMRouter(checkpoint=str(tmp_path / "irm"))
    experts = [Named("walk"), Named("sit"), Named("carry")]
    ctx = StepContext(instruction="sit down on the chair")
    router.reset(experts, ctx)
    w = router.weights(np.zeros(4), np.full(3, 1 / 3), ctx)
    assert w.shape == (3,) and abs(w.sum() - 1) < 1e-9 and w.argmax() == 1 and w[2] == 0
    with pytest.raises(ValueError, match="none of the agent's experts"):
        router.reset([Named("carry")], ctx)
    (tmp_path / "irm" / "config.json").write_text('{"type": "tdmpc2", "format_version": 1}')
    with pytest.raises(CheckpointError, match="expected 'irm'"):
        load_irm(tmp_path / "irm")
