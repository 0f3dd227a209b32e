"""Visit list, service ledger and market ledger to XLSX and CSV: headers, rows, formula neutralisation."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook

from fieldapp.core.entities import AnswerResult, CustomerClass, VisitType
from fieldapp.core.periods import PeriodKind, period_containing
from fieldapp.exports import (
    HEADERS,
    export_market_ledger,
    export_service_ledger,
    export_visit_list,
    neutralise,
    write_csv,
    write_xlsx,
)
from fieldapp.exports.ledgers import MARKET_LEDGER_COLUMNS, SERVICE_LEDGER_COLUMNS, VISIT_LIST_COLUMNS, pick_sentences
from fieldapp.store import visits as V
from fieldapp.store.customers import save_customer
from fieldapp.store.db import write_transaction
from fieldapp.store.templates import install_template

from ..conftest import make_customer
from ..store.test_visits import counter_template

TZ = timezone(timedelta(hours=8))
W47 = period_containing(PeriodKind.WEEK, date(2026, 11, 18))  # 2026-11-16 .. 11-22
WANG, LI, ZHAO = "mgr-wang", "mgr-li", "mgr-zhao"
NAMES = {WANG: "王强", LI: "李娜"}
EVIL = '=HYPERLINK("http://example.invalid","点这里")'


def at(day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=TZ)


def make_visit(engine, customer_id, manager, when, minutes, *, on_behalf_of=None, failed=(), notes=None,
               follow_ups=(), visit_type=VisitType.SERVICE):
    with write_transaction(engine) as conn:
        visit = V.start_visit(conn, customer_id, visit_type, manager, when, on_behalf_of=on_behalf_of)
        for key in ("counter_clean", "price_tags"):
            V.set_answer(conn, visit.id, key, result=AnswerResult.FAIL if key in failed else AnswerResult.PASS,
                         note="价签缺失" if key in failed and key == "price_tags" else None)
        V.set_answer(conn, visit.id, "display", result=AnswerResult.NOT_APPLICABLE)
        for field, value in (notes or {}).items():
            V.save_visit_note_field(conn, visit.id, field, value)
        if minutes is not None:
            V.check_out(conn, visit.id, when + timedelta(minutes=minutes))
        for title, due in follow_ups:
            V.add_follow_up(conn, customer_id, title, due, owner_id=on_behalf_of or manager, visit_id=visit.id)
    return visit.id


@pytest.fixture
def db(engine):
    """Two customers of wang, one of li, one of zhao; five visits in W47, one the week after."""
    with write_transaction(engine) as conn:
        install_template(conn, counter_template())
        customers = {
            "c1": make_customer(code="C0001", licence_no="430121100001", store_name="王记便利店", owner="王建国",
                                phone="13800001111", address="长沙县黄兴镇蓝田村12号", route="R01",
                                customer_class=CustomerClass.A, manager_id=WANG),
            "c2": make_customer(code="C0002", licence_no="430121100002", store_name="-5折超市", owner="李四",
                                route="R02", customer_class=CustomerClass.B, manager_id=WANG),
            "c3": make_customer(code="C0003", licence_no="430121100003", store_name="李家食杂店", owner="张三",
                                customer_class=CustomerClass.C, manager_id=LI),
            "c4": make_customer(code="C0004", licence_no="430121100004", store_name="赵氏商行", owner="赵六",
                                manager_id=ZHAO),
        }
        for customer in customers.values():
            save_customer(conn, customer)
    ids = {key: c.id for key, c in customers.items()}
    ids["v1"] = make_visit(engine, ids["c1"], WANG, at(16, 9), 45, failed=("price_tags",), notes={
        "needs": "希望增加芙蓉王货源", "concerns": "担心新品卖不动", "advice": "建议调整陈列",
        "market_info": "芙蓉王断货三天。隔壁店黄鹤楼卖25元一包；顾客较多", "abnormalities": EVIL},
        follow_ups=[("补充价签", date(2026, 11, 20)), ("+回访", None)])
    ids["v2"] = make_visit(engine, ids["c2"], WANG, at(17, 14, 30), 20, notes={
        "complaints": "@送货太晚", "market_info": "\t正常", "needs": "+86 138 0000 1111 店主新号码"})
    ids["v3"] = make_visit(engine, ids["c3"], LI, at(18, 8, 15), 30)
    ids["v4"] = make_visit(engine, ids["c1"], LI, at(22, 23, 50), 15, on_behalf_of=WANG, notes={"needs": "-5"})
    ids["v5"] = make_visit(engine, ids["c4"], ZHAO, at(19, 10), None, notes={"market_info": "利群缺货"})  # in progress
    ids["v6"] = make_visit(engine, ids["c1"], WANG, at(23, 9), 10)  # next week
    return ids


def read_csv(path):
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 byte-order mark"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def read_xlsx(path):
    sheet = load_workbook(path).active
    return sheet, [[cell.value for cell in row] for row in sheet.iter_rows()]


# --- visit list -------------------------------------------------------------------------------


def test_visit_list_xlsx_in_chinese(engine, db, tmp_path):
    path = tmp_path / "visits.xlsx"
    with engine.connect() as conn:
        count = export_visit_list(conn, W47, [WANG], path, "xlsx", "zh_CN", manager_names=NAMES)
    # wang's visits v1, v2 and li's v4 made on behalf of wang; v3 (li's own), v5 (zhao), v6 (next week) are not
    assert count == 3
    sheet, rows = read_xlsx(path)
    assert rows[0] == ["拜访日期", "签到时间", "签退时间", "时长（分钟）", "拜访人", "代谁拜访", "客户编码", "店名", "客户分类",
                       "送货线路", "拜访类型", "状态", "得分", "未通过项目"]
    assert sheet.title == "拜访清单"
    assert rows[1] == [datetime(2026, 11, 16), "09:00", "09:45", 45, "王强", None, "C0001", "王记便利店", "A", "R01",
                       "服务型", "已完成", 40.0, "明码标价"]  # counter_clean 20 passed of 20 + 30 applicable
    assert [r[6] for r in rows[1:]] == ["C0001", "C0002", "C0001"]
    assert rows[3][4:6] == ["李娜", "王强"] and rows[3][0] == datetime(2026, 11, 22) and rows[3][3] == 15
    assert rows[2][7] == "'-5折超市"  # a store name starting with "-" is neutralised
    assert sheet["H3"].data_type == "s"
    # header bold and frozen, widths set
    assert sheet["A1"].font.b is True
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["H"].width >= 12  # 王记便利店: 5 CJK characters = 10 columns + padding


def test_visit_list_in_english_and_csv(engine, db, tmp_path):
    path = tmp_path / "visits.csv"
    with engine.connect() as conn:
        count = export_visit_list(conn, W47, None, path, "csv", "en_US")
    assert count == 5  # every visit of W47 on this laptop, the in-progress one included
    rows = read_csv(path)
    assert rows[0] == [HEADERS["en"][c] for c in VISIT_LIST_COLUMNS]
    assert rows[0][:4] == ["Date", "Check-in", "Check-out", "Duration (min)"]
    assert len(rows) == 6
    first = rows[1]
    assert first[:7] == ["2026-11-16", "09:00", "09:45", "45", WANG, "", "C0001"]
    assert first[10:] == ["Service", "Completed", "40", "Prices marked"]
    in_progress = [r for r in rows if r[6] == "C0004"][0]
    assert in_progress[2:4] == ["", ""] and in_progress[11] == "In progress" and in_progress[12] == ""
    with engine.connect() as conn:
        assert export_visit_list(conn, W47, None, tmp_path / "visits.xlsx", "XLSX", "en") == 5
    sheet, values = read_xlsx(tmp_path / "visits.xlsx")
    assert sheet.title == "Visit list"
    assert values[0] == rows[0]
    assert values[1][:7] == [datetime(2026, 11, 16), "09:00", "09:45", 45, WANG, None, "C0001"]


def test_an_empty_period_writes_the_header_only(engine, db, tmp_path):
    with engine.connect() as conn:
        count = export_visit_list(conn, W47.previous(), [WANG], tmp_path / "none.xlsx", "xlsx", "zh_CN")
        assert export_visit_list(conn, W47, ["nobody"], tmp_path / "none.csv", "csv", "zh_CN") == 0
    assert count == 0
    assert read_xlsx(tmp_path / "none.xlsx")[1] == [[HEADERS["zh"][c] for c in VISIT_LIST_COLUMNS]]
    assert read_csv(tmp_path / "none.csv") == [[HEADERS["zh"][c] for c in VISIT_LIST_COLUMNS]]


def test_a_bad_format_is_refused_before_writing(engine, db, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with engine.connect() as conn, pytest.raises(ValueError):
        export_visit_list(conn, W47, None, out / "x.pdf", "pdf", "zh_CN")
    assert list(out.iterdir()) == []


# --- service ledger ---------------------------------------------------------------------------


def test_service_ledger(engine, db, tmp_path):
    xlsx, csv_path = tmp_path / "service.xlsx", tmp_path / "service.csv"
    with engine.connect() as conn:
        assert export_service_ledger(conn, W47, [WANG], xlsx, "xlsx", "zh_CN", manager_names=NAMES) == 3
        assert export_service_ledger(conn, W47, [WANG], csv_path, "csv", "en", manager_names=NAMES) == 3
    sheet, rows = read_xlsx(xlsx)
    assert sheet.title == "个性化服务台账"
    assert rows[0] == ["客户编码", "店名", "负责人", "联系电话", "地址", "客户经理", "拜访日期", "拜访人", "拜访类型", "需求",
                       "顾虑/疑惑", "投诉", "建议/指导", "跟进事项"]
    # per customer (C0001 twice, by date), then C0002
    assert [(r[0], r[6]) for r in rows[1:]] == [("C0001", datetime(2026, 11, 16)), ("C0001", datetime(2026, 11, 22)),
                                                ("C0002", datetime(2026, 11, 17))]
    c1 = rows[1]
    assert c1[2:6] == ["王建国", "13800001111", "长沙县黄兴镇蓝田村12号", "王强"]
    assert c1[9:13] == ["希望增加芙蓉王货源", "担心新品卖不动", None, "建议调整陈列"]
    # follow-ups: dated first; a title starting with "+" inside the cell is harmless (the cell starts with 补)
    assert c1[13] == "补充价签（截止2026-11-20，未完成）；+回访（未完成）"
    assert rows[2][7] == "李娜" and rows[2][9] == "'-5"
    assert rows[3][11] == "'@送货太晚"
    assert rows[3][9] == "'+86 138 0000 1111 店主新号码"
    en = read_csv(csv_path)
    assert en[0] == [HEADERS["en"][c] for c in SERVICE_LEDGER_COLUMNS]
    assert en[1][13] == "补充价签 (due 2026-11-20, open); +回访 (open)"
    assert en[3][9] == "'+86 138 0000 1111 店主新号码" and en[2][9] == "'-5" and en[3][11] == "'@送货太晚"


# --- market ledger ------------------------------------------------------------------------------


def test_market_ledger(engine, db, tmp_path):
    xlsx, csv_path = tmp_path / "market.xlsx", tmp_path / "market.csv"
    with engine.connect() as conn:
        assert export_market_ledger(conn, W47, None, xlsx, "xlsx", "zh_CN", manager_names=NAMES) == 3
        assert export_market_ledger(conn, W47, [WANG, LI], csv_path, "csv", "zh_CN") == 2
    sheet, rows = read_xlsx(xlsx)
    assert sheet.title == "市场信息台账"
    assert rows[0] == ["拜访日期", "客户编码", "店名", "地址", "送货线路", "拜访人", "市场信息", "断货情况", "价格信息", "异常情况"]
    # v1 (market info and an abnormality), v2 (market info), v5 (in progress, zhao); v3/v4 have neither
    assert [r[1] for r in rows[1:]] == ["C0001", "C0002", "C0004"]
    v1 = rows[1]
    assert v1[6] == "芙蓉王断货三天。隔壁店黄鹤楼卖25元一包；顾客较多"
    assert v1[7] == "芙蓉王断货三天。"
    assert v1[8] == "隔壁店黄鹤楼卖25元一包；"
    assert v1[9] == "'" + EVIL
    assert sheet["J2"].data_type == "s"  # stored as text, never as a formula
    assert rows[2][6] == "'\t正常"
    assert rows[3][7] == "利群缺货"
    rows_csv = read_csv(csv_path)
    assert rows_csv[0] == [HEADERS["zh"][c] for c in MARKET_LEDGER_COLUMNS]
    assert rows_csv[1][9] == "'" + EVIL and rows_csv[2][6] == "'\t正常"


def test_pick_sentences():
    text = "白沙断货。芙蓉王涨价到226元/条！顾客多\n中华 out of stock; price war"
    assert pick_sentences(text, ("断货", "out of stock")) == "白沙断货。 中华 out of stock;"
    assert pick_sentences(text, ("价", "元", "price")) == "芙蓉王涨价到226元/条！ price war"
    assert pick_sentences("", ("价",)) == ""


# --- writers --------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, safe", [
    ("=1+1", "'=1+1"), ("+86 138 0000 1111", "'+86 138 0000 1111"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tcmd", "'\tcmd"), ("\rcmd", "'\rcmd"), (EVIL, "'" + EVIL), ("", ""), ("正常 =1", "正常 =1"),
    ("'already", "'already"),
])
def test_neutralise(text, safe):
    assert neutralise(text) == safe


def test_writers_neutralise_every_text_cell_but_not_numbers(tmp_path):
    headers = ["=header", "数值", "日期"]
    rows = [["=1+2", -5, date(2026, 11, 16)], ["+1", 2.5, None], ["a\x01b", 0, date(2026, 1, 1)]]
    write_xlsx(tmp_path / "t.xlsx", headers, rows, sheet_title="a/b:c*d?[e]" * 4)
    sheet, values = read_xlsx(tmp_path / "t.xlsx")
    assert values[0] == ["'=header", "数值", "日期"]
    assert values[1] == ["'=1+2", -5, datetime(2026, 11, 16)]
    assert values[2] == ["'+1", 2.5, None]
    assert values[3][0] == "ab"  # a control character XLSX cannot hold is dropped
    assert all(sheet.cell(row=r, column=1).data_type == "s" for r in range(1, 5))
    assert len(sheet.title) <= 31 and "/" not in sheet.title
    write_csv(tmp_path / "t.csv", headers, rows)
    assert read_csv(tmp_path / "t.csv") == [["'=header", "数值", "日期"], ["'=1+2", "-5", "2026-11-16"],
                                            ["'+1", "2.5", ""], ["a\x01b", "0", "2026-01-01"]]


def test_a_failed_write_leaves_no_file(tmp_path, monkeypatch):
    import fieldapp.exports.writers as W

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(W.csv, "writer", boom)
    with pytest.raises(OSError):
        write_csv(tmp_path / "t.csv", ["a"], [["b"]])
    assert list(tmp_path.iterdir()) == []
