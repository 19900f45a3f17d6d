"""ViewState: positions and notes in ``project.view``, with events (no Qt)."""

from __future__ import annotations

import pytest

from widgets.view_state import ViewState, clean_annotation, make_annotation


def record(state: ViewState) -> list[tuple[str, dict]]:
    seen: list[tuple[str, dict]] = []
    for name in (
        "position_changed",
        "position_removed",
        "annotation_added",
        "annotation_removed",
        "annotation_changed",
    ):
        state.events.connect(name, lambda _n=name, **kw: seen.append((_n, kw)))
    return seen


def test_positions_write_through_to_the_view_dict_and_emit_events() -> None:
    view: dict = {}
    state = ViewState(view)
    seen = record(state)
    state.set_position("a", 10, 20)
    state.set_position("a", 10, 20)  # no change, no event
    assert view["positions"] == {"a": [10.0, 20.0]}
    assert state.position("a") == (10.0, 20.0)
    assert state.remove_position("a") == (10.0, 20.0)
    assert state.position("a") is None
    assert [name for name, _ in seen] == ["position_changed", "position_removed"]


def test_non_finite_positions_are_refused() -> None:
    state = ViewState({})
    with pytest.raises(ValueError):
        state.set_position("a", float("nan"), 0)


def test_annotations_add_update_remove_round_trip() -> None:
    view: dict = {}
    state = ViewState(view)
    seen = record(state)
    note = make_annotation("hello", 1, 2, annotation_id="n1")
    state.add_annotation(note)
    state.update_annotation("n1", text="bye", x=5)
    assert view["annotations"][0]["text"] == "bye"
    assert view["annotations"][0]["x"] == 5.0
    removed, index = state.remove_annotation("n1")
    assert index == 0 and removed["text"] == "bye"
    state.add_annotation(removed, index)
    assert state.annotation("n1")["text"] == "bye"
    assert [name for name, _ in seen] == [
        "annotation_added",
        "annotation_changed",
        "annotation_removed",
        "annotation_added",
    ]


def test_duplicate_or_malformed_annotations_are_refused() -> None:
    state = ViewState({})
    state.add_annotation(make_annotation("x", 0, 0, annotation_id="n"))
    with pytest.raises(ValueError):
        state.add_annotation(make_annotation("y", 0, 0, annotation_id="n"))
    with pytest.raises(ValueError):
        state.update_annotation("n", colour="red")
    with pytest.raises(KeyError):
        state.remove_annotation("missing")


def test_loading_cleans_up_bad_annotation_entries() -> None:
    view = {"annotations": [{"text": 3}, "nonsense", {"id": "ok", "text": "t", "x": 1, "y": 2}]}
    state = ViewState(view)
    assert [a["id"] for a in state.annotations] == ["ok"]
    assert clean_annotation({"x": "a"}) is None
    assert state.annotations[0]["width"] > 0


def test_camera_is_kept_without_events() -> None:
    view: dict = {}
    state = ViewState(view)
    state.set_camera(2.0, (5.0, 6.0))
    assert state.zoom == 2.0 and state.center == (5.0, 6.0)
    state.set_camera(-1.0, (0.0, 0.0))  # ignored
    assert view["zoom"] == 2.0
