"""Sub-goal targets read from a clause (mwx_sdk.semantic.targets)."""

from __future__ import annotations

import pytest

from mwx_sdk.semantic.targets import ClauseTargets, UnknownObjectError, find_targets, strip_objects


@pytest.mark.parametrize(
    ("clause", "objects", "previous", "expected"),
    [
        ("push the box to the goal on the table", ["table", "object", "goal"], None, ("object", "goal")),
        ("walk to the chair", ["chair"], None, ("chair", None)),
        ("sit down", ["chair"], None, (None, None)),
        ("sit down", ["chair"], "chair", ("chair", None)),
        ("open it", ["door"], "door", ("door", None)),
        ("go through", ["door"], "door", ("door", None)),
        ("put it on the table", ["box", "table"], "box", ("box", "table")),
        ("carry the package to the destination", ["package_a", "destination"], None, ("package_a", "destination")),
        ("reach the target with your left hand", ["goal"], None, ("goal", None)),
        ("walk forward", [], None, (None, None)),
        ("walk to the seats", ["chair"], None, ("chair", None)),
    ],
)
def test_targets(clause, objects, previous, expected):
    assert find_targets(clause, objects, previous) == ClauseTargets(*expected)


def test_unknown_object_says_what_the_scene_has():
    with pytest.raises(UnknownObjectError, match=r"names 'fridge', which mwx/h1-sit_simple-v0 does not have "
                                                 r"\(its objects: chair\)"):
        find_targets("walk to the fridge", ["chair"], scene="mwx/h1-sit_simple-v0")
    with pytest.raises(UnknownObjectError, match="its objects: none"):
        find_targets("push the sofa", [])
    # words about the robot, directions and references are not objects
    assert find_targets("turn to the left and raise the hands", ["chair"]) == ClauseTargets()


def test_object_words_do_not_vote_for_skills():
    assert strip_objects("walk to the chair", ["chair"]) == "walk to the"
    assert strip_objects("sit down", ["chair"]) == "sit down"
    assert strip_objects("walk forward", []) == "walk forward"


def test_a_task_gives_its_objects_other_words():
    objects = {"basketball": ("ball",), "hoop": ("basket", "rim")}
    assert find_targets("throw the ball into the basket", objects) == ClauseTargets("basketball", "hoop")
