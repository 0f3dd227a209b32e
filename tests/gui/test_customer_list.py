"""The customer list: search-as-you-type, filters, sorting, counts and lazy paging."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QPoint, Qt

from fieldapp.gui import customer_table_model as ctm
from fieldapp.gui.customer_table_model import COLUMNS
from fieldapp.store.customers import CustomerQuery, fetch_customer_rows, search_customer_ids

from .conftest import LARGE, SMALL, copy_profile, open_main_window, start_hub, wait_rows_loaded


def type_text(edit, text: str) -> None:
    """Type ``text`` one character at a time, as an input method commits Chinese characters.

    (QTest.keyClicks only knows ASCII key codes.)
    """
    for char in text:
        edit.insert(char)


def store_ids(engine, **query) -> list[str]:
    with engine.connect() as conn:
        return search_customer_ids(conn, CustomerQuery(**query))


def listed_ids(model) -> list[str]:
    return [model.customer_id(row) for row in range(model.rowCount())]


def cell(model, row: int, name: str):
    return model.data(model.index(row, COLUMNS.index(name)))


def test_list_shows_every_customer_with_a_count(qtbot, window, engine_of):
    model = window.list_panel.model
    assert model.rowCount() == SMALL
    assert listed_ids(model) == store_ids(engine_of)  # sorted by store name
    assert window.list_panel.count_label.text() == f"{SMALL} customers"


def test_search_as_you_type_narrows_the_list(qtbot, window, engine_of):
    panel = window.list_panel
    model = panel.model
    with qtbot.waitSignal(model.sig_ids_loaded, timeout=5000):
        type_text(panel.search_edit, "便利")
    expected = store_ids(engine_of, text="便利")
    assert 0 < len(expected) < SMALL
    assert listed_ids(model) == expected
    wait_rows_loaded(qtbot, model, range(model.rowCount()))
    assert all("便利" in cell(model, row, "store_name") for row in range(model.rowCount()))
    assert panel.count_label.text() == f"Showing {len(expected)} of {SMALL} customers"


def test_typing_quickly_runs_one_search_after_the_pause(qtbot, window):
    panel = window.list_panel
    model = panel.model
    queries = []
    original = model.set_query
    model.set_query = lambda query: (queries.append(query.text), original(query))
    with qtbot.waitSignal(model.sig_ids_loaded, timeout=5000):
        type_text(panel.search_edit, "王记便利")
    assert queries == ["王记便利"]  # the 150 ms debounce swallowed the intermediate texts


def test_search_with_no_match_says_so(qtbot, window):
    panel = window.list_panel
    with qtbot.waitSignal(panel.model.sig_ids_loaded, timeout=5000):
        type_text(panel.search_edit, "不存在的店")
    assert panel.model.rowCount() == 0
    assert panel.count_label.text() == "No customers match the search and filters."


def choose(qtbot, combo, value, model):
    index = combo.findData(value)
    assert index > 0, f"{value!r} not offered"
    with qtbot.waitSignal(model.sig_ids_loaded, timeout=5000):
        combo.setCurrentIndex(index)


def test_filter_boxes_offer_the_profiles_values_and_filter(qtbot, window, engine_of):
    panel = window.list_panel
    model = panel.model
    qtbot.waitUntil(lambda: panel.route_combo.count() > 1)
    assert [panel.route_combo.itemData(i) for i in range(1, panel.route_combo.count())] == \
        ["R01", "R02", "R03", "R04", "R05"]

    choose(qtbot, panel.class_combo, "A", model)
    expected = store_ids(engine_of, customer_class="A")
    assert 0 < len(expected) < SMALL and listed_ids(model) == expected

    choose(qtbot, panel.route_combo, "R02", model)
    expected = store_ids(engine_of, customer_class="A", route="R02")
    assert listed_ids(model) == expected
    wait_rows_loaded(qtbot, model, range(model.rowCount()))
    assert {cell(model, r, "route") for r in range(model.rowCount())} == {"R02"}
    assert {cell(model, r, "customer_class") for r in range(model.rowCount())} == {"A"}

    panel.class_combo.setCurrentIndex(0)
    panel.route_combo.setCurrentIndex(0)
    choose(qtbot, panel.tag_combo, "新品试点", model)
    expected = store_ids(engine_of, tag="新品试点")
    assert 0 < len(expected) < SMALL and listed_ids(model) == expected
    wait_rows_loaded(qtbot, model, range(model.rowCount()))
    assert all("新品试点" in cell(model, r, "tags") for r in range(model.rowCount()))


def click_header(qtbot, view, column: int) -> None:
    header = view.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))


def test_clicking_a_header_sorts_and_clicking_again_reverses(qtbot, window):
    panel = window.list_panel
    model = panel.model
    grade = COLUMNS.index("grade")
    with qtbot.waitSignal(model.sig_ids_loaded, timeout=5000):
        click_header(qtbot, panel.view, grade)
    assert model.query.sort_column == "grade" and not model.query.descending
    ascending = listed_ids(model)
    wait_rows_loaded(qtbot, model, [0, SMALL - 1])
    assert int(cell(model, 0, "grade")) <= int(cell(model, SMALL - 1, "grade"))

    with qtbot.waitSignal(model.sig_ids_loaded, timeout=5000):
        click_header(qtbot, panel.view, grade)
    assert model.query.descending
    assert listed_ids(model) == list(reversed(ascending))
    assert panel.view.horizontalHeader().sortIndicatorOrder() == Qt.SortOrder.DescendingOrder


def test_a_column_the_store_cannot_sort_keeps_the_current_order(qtbot, window):
    panel = window.list_panel
    before = listed_ids(panel.model)
    click_header(qtbot, panel.view, COLUMNS.index("tags"))
    qtbot.wait(50)  # nothing asynchronous may start; give it a chance to (wrongly) do so
    assert panel.model.query.sort_column == "store_name"
    assert listed_ids(panel.model) == before
    assert panel.view.horizontalHeader().sortIndicatorSection() == COLUMNS.index("store_name")


def test_an_older_query_finishing_late_is_dropped(qtbot, window, engine_of):
    """The generation counter: results of a superseded query never reach the list."""
    model = window.list_panel.model
    stale_generation = model._generation
    with qtbot.waitSignal(model.sig_ids_loaded, timeout=5000):
        model.set_query(replace(model.query, text="超市"))
    expected = store_ids(engine_of, text="超市")
    # Deliver what an older query would have produced, as a late worker reply does.
    model._ids_arrived(stale_generation, (["stale-id"], 1))
    model._page_arrived(stale_generation, 0, ["stale-id"], {"stale-id": {"store_name": "stale"}})
    assert listed_ids(model) == expected
    assert "stale-id" not in model._rows


def test_data_never_queries_and_rows_arrive_by_page(qtbot, window, monkeypatch):
    model = window.list_panel.model
    row = SMALL - 1
    page = row // ctm.PAGE_SIZE
    assert page > 0 and not model.is_row_loaded(row)
    calls, repainted = [], []
    monkeypatch.setattr(ctm.ops, "fetch_customer_rows", _spy(ctm.ops.fetch_customer_rows, calls))
    model.dataChanged.connect(lambda top, bottom, *_: repainted.append((top.row(), bottom.row())))
    with qtbot.waitSignal(model.sig_page_loaded, timeout=5000, check_params_cb=lambda p: p == page):
        assert cell(model, row, "store_name") == "…"  # a placeholder at once, no waiting
        assert cell(model, row, "code") is None
    assert cell(model, row, "store_name") not in ("…", None)
    fetched = [ids for ids in calls if model.customer_id(row) in ids]
    assert len(fetched) == 1 and len(fetched[0]) <= ctm.PAGE_SIZE
    assert any(top <= row <= bottom for top, bottom in repainted)


def _spy(fn, calls):
    def spy(*, ids, **kwargs):
        calls.append(list(ids))
        return fn(ids=ids, **kwargs)
    return spy


def test_large_profile_fetches_only_what_is_shown(qtbot, tmp_path, large_template, translations):
    profile = copy_profile(large_template, tmp_path / "large")
    hub = start_hub(profile)
    try:
        window = open_main_window(qtbot, profile, translations)
        model = window.list_panel.model
        view = window.list_panel.view
        assert model.rowCount() == LARGE
        qtbot.waitUntil(lambda: model.is_row_loaded(0) and model.pages_fetched >= 1, timeout=10_000)
        qtbot.wait(100)  # let any (wrong) extra fetches show up
        assert model.pages_fetched == 1
        assert model.cached_row_count <= ctm.PAGE_SIZE

        last = view.indexAt(QPoint(5, view.viewport().height() - 5)).row()
        assert 10 < last < ctm.PAGE_SIZE  # the first screen lies within the first page

        view.scrollToBottom()
        qtbot.waitUntil(lambda: model.is_row_loaded(LARGE - 1), timeout=10_000)
        assert model.pages_fetched == 2
        assert model.cached_row_count <= 2 * ctm.PAGE_SIZE
        assert model.cached_row_count < LARGE / 10
    finally:
        window.close()
        hub.shutdown()


def test_rows_show_what_the_store_holds(qtbot, window, engine_of):
    model = window.list_panel.model
    wait_rows_loaded(qtbot, model, range(5))
    ids = listed_ids(model)[:5]
    with engine_of.connect() as conn:
        rows = fetch_customer_rows(conn, ids)
    for row, cid in enumerate(ids):
        assert cell(model, row, "code") == rows[cid]["code"]
        assert cell(model, row, "store_name") == rows[cid]["store_name"]
        assert cell(model, row, "licence_expiry") == rows[cid]["licence_expiry"].isoformat()
        assert cell(model, row, "status") in ("Active", "Suspended")


def test_headers_and_values_are_chinese_in_the_chinese_ui(qtbot, hub, gui_profile, zh_ui):
    window = open_main_window(qtbot, gui_profile, zh_ui)
    model = window.list_panel.model
    headers = [model.headerData(i, Qt.Orientation.Horizontal) for i in range(model.columnCount())]
    assert headers[:4] == ["客户编码", "店名", "负责人", "电话"]
    wait_rows_loaded(qtbot, model, range(3))
    assert cell(model, 0, "status") in ("正常", "暂停")
    assert window.list_panel.count_label.text() == f"共 {SMALL} 个客户"


def test_hidden_columns_are_remembered(qtbot, hub, gui_profile, translations):
    window = open_main_window(qtbot, gui_profile, translations)
    phone = COLUMNS.index("phone")
    window.list_panel.set_column_visible(phone, False)
    window.close()
    again = open_main_window(qtbot, gui_profile, translations)
    assert again.list_panel.view.horizontalHeader().isSectionHidden(phone)
