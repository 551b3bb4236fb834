"""The plan parser rejects pathological replies with PlanParseError (the backend then falls back)."""

from __future__ import annotations

import json
import time
import warnings

import numpy as np
import pytest

from mwx_sdk.semantic import PlanParseError, parse_plan
from mwx_sdk.semantic.parsing import MAX_DESCRIPTION_CHARS, extract_json, plan_to_json

NAMES = ["stand", "walk", "sit"]


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000,  # raised RecursionError out of the backend's retry loop
        '{"subgoals": ' + "[" * 100_000,
        '```json\n{"subgoals": [' + "{" * 5000 + "\n```",
        ('["]",' * 900 + "x") * 14,  # nesting the bracket count cannot see, inside the size limit
    ],
)
def test_deep_nesting_is_rejected_quickly(text):
    t0 = time.perf_counter()
    with pytest.raises(PlanParseError, match="deep|no JSON"):
        parse_plan(text, "walk", NAMES, max_chars=1_000_000)  # past the size limit: the depth check
    assert time.perf_counter() - t0 < 5.0


def test_extract_json_turns_recursion_into_a_parse_error():
    with pytest.raises(PlanParseError, match="too deeply"):
        extract_json("[" * 100_000)


def test_size_limit():
    plan = {"subgoals": [{"description": "x" * 70_000, "scores": {"walk": 1}}]}
    with pytest.raises(PlanParseError, match="above the 65536-character limit"):
        parse_plan(json.dumps(plan), "walk", NAMES)
    assert parse_plan(json.dumps(plan), "walk", NAMES, max_chars=100_000).subgoals[0].lead == "walk"


def test_all_negative_scores_warn_and_say_what_was_done():
    text = json.dumps({"subgoals": [
        {"description": "walk", "scores": {"walk": 0.9, "stand": 0.1}},
        {"description": "??", "scores": {"walk": -0.5, "stand": -2, "sit": -1}},
    ]})
    with pytest.warns(UserWarning, match=r"sub-goal\(s\) 2: the model gave no positive score.*same weight"):
        plan = parse_plan(text, "walk", NAMES)
    assert np.allclose(list(plan.subgoals[1].weights.values()), 1 / 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a normal plan stays quiet
        parse_plan(json.dumps({"subgoals": [{"description": "walk", "scores": {"walk": 1}}]}), "walk", NAMES)


def test_descriptions_and_warnings_are_cleaned_and_capped():
    text = json.dumps({"subgoals": [{
        "description": "[/] \x1b[2Jwipe\x07\n" + "y" * 5000,
        "scores": {"walk": 1, **{f"bogus{i}\x1b[31m": 1 for i in range(500)}},
        "predicate": "\x1b]0;title\x07" + "p" * 5000,
    }]})
    with pytest.warns(UserWarning) as rec:
        plan = parse_plan(text, "walk", NAMES, predicates=["near(chair)"])
    desc = plan.subgoals[0].description
    assert desc.startswith("[/] wipe y") and len(desc) == MAX_DESCRIPTION_CHARS and "\x1b" not in desc
    for w in rec:
        msg = str(w.message)
        assert len(msg) < 1000 and "\x1b" not in msg, msg[:200]
    assert any("and 490 more" in str(w.message) for w in rec)


def test_plan_to_json_round_trips():
    text = ('Sure:\n```json\n{"subgoals": [{"description": "go", "scores": {"walk": 9, "stand": 3, "fly": 1},'
            ' "predicate": "near(chair)"}, {"description": "sit", "scores": {"sit": 1}}]}\n```')
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plan = parse_plan(text, "x", NAMES, predicates=["near(chair)"])
    canon = plan_to_json(plan)
    assert set(json.loads(canon)) == {"subgoals"} and "Sure" not in canon and "fly" not in canon
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = parse_plan(canon, "x", NAMES, predicates=["near(chair)"])
    for a, b in zip(again.subgoals, plan.subgoals):
        assert a.weights == pytest.approx(b.weights) and a.scores == pytest.approx(b.scores)
    assert [(s.description, s.predicate) for s in again.subgoals] == [("go", "near(chair)"), ("sit", None)]
