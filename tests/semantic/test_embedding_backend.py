"""The registered offline backends, and the lexical fallback when the embed extra is missing."""

from __future__ import annotations

import sys
import warnings
from collections import OrderedDict

import numpy as np
import pytest

from mwx_sdk.interfaces import ExpertSpec

EXPERTS = [
    ExpertSpec("stand", "Stand upright and still in place.", "h1", 19),
    ExpertSpec("walk", "Walk forward to a place at a normal pace.", "h1", 19),
    ExpertSpec("sit", "Sit down on a chair.", "h1", 19),
]


def test_registered_backends():
    import mwx_sdk

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        names = {e.name for e in mwx_sdk.list_vlm_backends()}
    assert {"embedding", "lexical", "litellm"} <= names
    lex = mwx_sdk.get_vlm_backend("lexical")
    plan = lex.interpret("walk to the chair and sit down", EXPERTS, predicates=["near(chair)", "seated"])
    assert [s.lead for s in plan.subgoals] == ["walk", "sit"]
    assert lex.interpret("walk to the chair and sit down", EXPERTS, predicates=["near(chair)", "seated"]) is plan
    with pytest.raises(TypeError, match="unknown option 'tua' for vlm backend 'embedding'; did you mean 'tau'"):
        mwx_sdk.get_vlm_backend("embedding", tua=1)
    with pytest.raises(ValueError, match="tau must be positive"):
        mwx_sdk.get_vlm_backend("embedding", tau=-1.0)


def test_embedding_backend_plans_compound_instruction():
    pytest.importorskip("sentence_transformers", reason="needs the embed extra")
    from mwx_plugins.vlm_embedding import EmbeddingBackend

    plan = EmbeddingBackend().interpret(
        "walk forward then sit on the chair", EXPERTS, predicates=["standing", "near(chair)", "seated"]
    )
    assert plan.backend == "embedding"
    assert [s.lead for s in plan.subgoals] == ["walk", "sit"]
    assert [s.predicate for s in plan.subgoals] == [None, "seated"]


def test_missing_extra_falls_back_to_lexical(monkeypatch):
    from mwx_plugins.vlm_embedding import EmbeddingBackend

    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # as if not installed
    monkeypatch.setitem(sys.modules, "transformers", None)
    monkeypatch.setattr("mwx_sdk.semantic.embedding._MODELS", {})
    monkeypatch.setattr("mwx_sdk.semantic.embedding._BATCHES", OrderedDict())  # nothing encoded yet
    with pytest.warns(UserWarning, match=r"pip install 'mwx-sdk\[embed\]'.*lexical"):
        plan = EmbeddingBackend().interpret("sit down", EXPERTS)
    assert plan.backend == "lexical" and plan.subgoals[0].lead == "sit"


def test_missing_model_files_fall_back(tmp_path):
    pytest.importorskip("sentence_transformers", reason="needs the embed extra")
    from mwx_plugins.vlm_embedding import EmbeddingBackend

    with pytest.warns(UserWarning, match="lexical"):
        plan = EmbeddingBackend(model_path=str(tmp_path / "no-model")).interpret("stand still", EXPERTS)
    assert plan.backend == "lexical"


def test_the_bundled_model_runs_without_sentence_transformers_and_embeds_bit_for_bit_alike():
    """The bundled MiniLM runs through transformers alone (no sentence-transformers import, whose
    dependencies cost about 170 MB), with the very embeddings sentence-transformers computes."""
    st = pytest.importorskip("sentence_transformers", reason="needs the embed extra")
    import subprocess

    from mwx_sdk.plugins import list_experts
    from mwx_sdk.semantic.embedding import EmbeddingScorer, bundled_model_path

    code = ("import sys; from mwx_sdk.semantic.embedding import EmbeddingScorer; "
            "EmbeddingScorer().encode(['walk forward']); print('sentence_transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False"
    texts = [EmbeddingScorer.expert_text(e.obj.spec) for e in list_experts() if hasattr(e.obj, "spec")]
    reference = st.SentenceTransformer(bundled_model_path(), device="cpu")
    for batch in (texts, ["walk forward"], ["walk to the chair and sit down", "  stand still "], texts[:3]):
        ours = EmbeddingScorer().encode(batch)
        theirs = reference.encode(batch, convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False)
        np.testing.assert_array_equal(ours, np.asarray(theirs, dtype=np.float64))


def test_the_model_is_released_after_planning_and_not_reloaded_for_texts_seen_before():
    """interpret() frees the model once the plan is made (its memory goes to the planner and the
    physics); a later backend with the same instruction plans from the cached embeddings,
    bit for bit alike, without encoding anything."""
    pytest.importorskip("transformers", reason="needs the embed extra")
    from mwx_plugins.vlm_embedding import EmbeddingBackend

    from mwx_sdk.semantic import embedding

    first = EmbeddingBackend().interpret("walk forward then sit on the chair", EXPERTS)
    assert first.backend == "embedding"
    assert embedding._MODELS == {}
    batches = len(embedding._BATCHES)
    again = EmbeddingBackend().interpret("walk forward then sit on the chair", EXPERTS)
    assert len(embedding._BATCHES) == batches and embedding._MODELS == {}  # nothing encoded
    assert [s.weights for s in again.subgoals] == [s.weights for s in first.subgoals]
