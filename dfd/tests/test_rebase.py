"""Rebasing a live batch over the operations logged since its base version (pure)."""

from __future__ import annotations

from dfd.rebase import deleted_since, rebase


def test_without_deletions_since_the_batch_applies_as_sent() -> None:
    ops = [{"op": "update_element", "key": "web", "name": "Web 2"}, {"op": "add_flow", "key": "f9", "source": "web", "target": "db"}]
    result = rebase(ops, [("update_element", "db"), ("move_element", "web")], base_version=3)
    assert result.ops == ops and not result.dropped and not result.conflicts


def test_an_edit_of_something_deleted_since_is_dropped_with_the_reason() -> None:
    ops = [
        {"op": "update_element", "key": "web", "properties": {"privileged": True}},
        {"op": "move_element", "key": "web", "x": 1, "y": 2},
        {"op": "update_element", "key": "db", "name": "Orders"},
    ]
    result = rebase(ops, [("delete_flow", "f1"), ("delete_element", "web")], base_version=4)
    assert result.ops == [ops[2]]
    assert [d["index"] for d in result.dropped] == [0, 1]
    assert "'web' was deleted by someone else after version 4" in result.dropped[0]["reason"]
    assert not result.conflicts


def test_new_work_hanging_on_something_deleted_since_is_a_conflict() -> None:
    ops = [
        {"op": "add_flow", "key": "f9", "source": "web", "target": "db"},
        {"op": "add_element", "key": "cache", "kind": "data_store", "name": "Cache", "parent": "tb-app"},
        {"op": "set_parent", "key": "db", "parent": "tb-app"},
    ]
    result = rebase(ops, [("delete_element", "db"), ("delete_element", "tb-app")], base_version=2)
    paths = [c["path"] for c in result.conflicts]
    assert paths == ["ops[0].target", "ops[1].parent"]
    # The set_parent of the deleted element itself is dropped: the delete wins.
    assert [d["key"] for d in result.dropped] == ["db"]


def test_a_key_deleted_and_added_again_since_is_not_gone() -> None:
    assert deleted_since([("delete_element", "web"), ("add_element", "web"), ("delete_flow", "f1")]) == {"f1"}
    ops = [{"op": "update_element", "key": "web", "name": "Again"}]
    assert rebase(ops, [("delete_element", "web"), ("add_element", "web")], base_version=1).ops == ops


def test_a_batch_that_is_not_a_list_is_left_to_the_write_path() -> None:
    assert rebase({"op": "x"}, [("delete_element", "web")], base_version=1).ops == {"op": "x"}
