"""Palette: every catalog type, grouped, searchable, draggable."""

from __future__ import annotations

from engine.model.catalog import CATEGORY_TITLES, default_catalog
from widgets.mime import NODE_TYPE_MIME
from widgets.palette import PaletteWidget


def test_palette_lists_every_node_type_grouped_by_category(qtbot) -> None:
    catalog = default_catalog()
    palette = PaletteWidget(catalog)
    qtbot.addWidget(palette)
    assert sorted(palette.visible_type_ids()) == sorted(t.type_id for t in catalog)
    headers = [palette.proxy.index(r, 0).data() for r in range(palette.proxy.rowCount())]
    used = {t.category for t in catalog}
    assert headers == [title for key, title in CATEGORY_TITLES.items() if key in used]


def test_search_filters_by_title_id_and_doc(qtbot) -> None:
    palette = PaletteWidget(default_catalog())
    qtbot.addWidget(palette)
    qtbot.keyClicks(palette.search, "poisson")
    ids = palette.visible_type_ids()
    assert "encoder.poisson" in ids
    assert "population.lif" not in ids
    palette.search.setText("spike recorder")
    assert "recorder.spikes" in palette.visible_type_ids()
    assert "population.lif" not in palette.visible_type_ids()
    palette.search.setText("stdp")
    assert "plasticity.stdp_pair" in palette.visible_type_ids()
    palette.search.setText("no such thing")
    assert palette.visible_type_ids() == []
    palette.search.clear()
    assert len(palette.visible_type_ids()) == len(default_catalog())


def test_dragging_an_entry_carries_its_type_id(qtbot) -> None:
    palette = PaletteWidget(default_catalog())
    qtbot.addWidget(palette)
    mime = palette.mime_data_for("population.lif")
    assert bytes(mime.data(NODE_TYPE_MIME).data()).decode() == "population.lif"


def test_double_click_and_enter_ask_for_a_node(qtbot) -> None:
    palette = PaletteWidget(default_catalog())
    qtbot.addWidget(palette)
    with qtbot.waitSignal(palette.node_type_activated) as blocker:
        palette.tree.doubleClicked.emit(palette.index_of("recorder.spikes"))
    assert blocker.args == ["recorder.spikes"]
    palette.search.setText("lif neurons")
    with qtbot.waitSignal(palette.node_type_activated) as blocker:
        palette.search.returnPressed.emit()
    assert blocker.args == ["population.lif"]
