#!/usr/bin/env python3
"""Screenshots of the working-day screens for docs/screenshots/ (offscreen, no display needed).

    /work/venv/bin/python scripts/visit_screenshots.py [--out docs/screenshots] [--lang zh_CN|en]
    /work/venv/bin/python scripts/visit_screenshots.py --check-strings

Builds a throwaway profile (demo customers plus half a year of made-up visits),
opens the real widgets and saves ``QWidget.grab()`` PNGs:

- ``visit-plan.png``: today's plan with the reasons, one store visited, one in progress
- ``visit-start.png``: the start page: preparation, visit type, position, check-in
- ``visit-screen.png``: a visit in progress, checklist half answered, one failure with a photo
- ``customer-history.png``: a customer's past visits, score and purchase charts, open follow-ups

Translations: the committed ``fieldapp_zh_CN.ts`` may not hold the working-day
strings yet, so the script merges ``resources/i18n/visit_strings_zh_CN.txt``
(context, source, translation; tab-separated, ``\\n`` for a line break) into a
temporary copy — the widgets' own contexts from the list, the shared core
contexts only where still untranslated — and builds a temporary .qm with
``pyside6-lrelease``.

``--check-strings`` runs ``pyside6-lupdate`` over ``fieldapp/gui/visit`` and
lists strings missing from the translation list (exit 1 if any).

Needs a CJK font (Debian: fonts-noto-cjk) or Chinese renders as boxes.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image, ImageDraw, ImageFilter  # noqa: E402
from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QSettings, QTranslator  # noqa: E402
from PySide6.QtGui import QFont, QFontDatabase  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
I18N = ROOT / "resources" / "i18n"
STRINGS = I18N / "visit_strings_zh_CN.txt"
TS_FILE = I18N / "fieldapp_zh_CN.ts"


# --- translations -------------------------------------------------------------------


def qt_tool(name: str) -> str:
    for candidate in (Path(sys.executable).parent / f"pyside6-{name}",
                      Path(sys.executable).parent / f"pyside6-{name}.exe"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which(f"pyside6-{name}")
    if not found:
        raise SystemExit(f"pyside6-{name} not found")
    return found


def _unescape(text: str) -> str:
    out, k = [], 0
    while k < len(text):
        c = text[k]
        if c == "\\" and k + 1 < len(text):
            nxt = text[k + 1]
            out.append({"n": "\n", "t": "\t", "\\": "\\"}.get(nxt, "\\" + nxt))
            k += 2
        else:
            out.append(c)
            k += 1
    return "".join(out)


def read_strings(path: Path = STRINGS) -> list[tuple[str, str, str]]:
    """(context, source, translation) rows of the tab-separated list."""
    rows = []
    if not path.exists():
        return rows
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise SystemExit(f"{path.name}:{number}: expected 3 tab-separated fields, got {len(parts)}")
        rows.append(tuple(_unescape(p) for p in parts))  # type: ignore[arg-type]
    return rows


#: Contexts of the core and store: their translations in the project's .ts win; the list only fills gaps.
SHARED_CONTEXTS = {"Enum", "Planning", "Checklist", "Visit", "Photo"}


def merged_ts(rows: list[tuple[str, str, str]], target: Path) -> None:
    """The project's zh_CN .ts with ``rows`` merged in.

    The working-day widgets' own contexts take the list's translation (the list
    is their source); shared core contexts keep the .ts translation and only
    fill entries that are still untranslated.
    """
    tree = ET.parse(TS_FILE)
    root = tree.getroot()
    contexts = {c.findtext("name"): c for c in root.findall("context")}
    for context, source, translation in rows:
        ctx = contexts.get(context)
        if ctx is None:
            ctx = ET.SubElement(root, "context")
            ET.SubElement(ctx, "name").text = context
            contexts[context] = ctx
        message = next((m for m in ctx.findall("message") if m.findtext("source") == source), None)
        if message is None:
            message = ET.SubElement(ctx, "message")
            ET.SubElement(message, "source").text = source
            ET.SubElement(message, "translation")
        tr = message.find("translation")
        if tr is None:
            tr = ET.SubElement(message, "translation")
        numerus = message.get("numerus") == "yes"
        if numerus:
            forms = tr.findall("numerusform")
            if not forms:
                forms = [ET.SubElement(tr, "numerusform")]
            if context not in SHARED_CONTEXTS or not (forms[0].text or "").strip():
                forms[0].text = translation
                tr.attrib.pop("type", None)
        elif context not in SHARED_CONTEXTS or not (tr.text or "").strip() or tr.get("type") == "unfinished":
            tr.text = translation
            tr.attrib.pop("type", None)
    tree.write(target, encoding="utf-8", xml_declaration=True)


def build_qm(workdir: Path) -> Path:
    ts = workdir / "fieldapp_zh_CN.ts"
    merged_ts(read_strings(), ts)
    qm = workdir / "fieldapp_zh_CN.qm"
    subprocess.run([qt_tool("lrelease"), "-silent", str(ts), "-qm", str(qm)], check=True)
    return qm


def check_strings() -> int:
    """Strings of fieldapp/gui/visit missing from the translation list."""
    with tempfile.TemporaryDirectory() as tmp:
        ts = Path(tmp) / "visit.ts"
        subprocess.run([qt_tool("lupdate"), "-silent", "-extensions", "py", "-locations", "none",
                        str(ROOT / "src" / "fieldapp" / "gui" / "visit"), "-ts", str(ts)], check=True)
        found = set()
        for ctx in ET.parse(ts).getroot().findall("context"):
            name = ctx.findtext("name")
            for message in ctx.findall("message"):
                found.add((name, message.findtext("source")))
    listed = {(c, s) for c, s, _t in read_strings()}
    missing = sorted(found - listed)
    extra = sorted((c, s) for c, s in listed - found if c in {n for n, _ in found})
    for context, source in missing:
        print(f"missing\t{context}\t{source!r}")
    for context, source in extra:
        print(f"unused\t{context}\t{source!r}")
    print(f"{len(found)} strings in fieldapp/gui/visit, {len(missing)} missing, {len(extra)} unused")
    return 1 if missing else 0


def install_language(app: QApplication, lang: str, workdir: Path) -> None:
    from fieldapp.gui import i18n
    if lang == i18n.EN:
        i18n.Translations(app).switch(i18n.EN)
        return
    own = QTranslator(app)
    own.load(str(build_qm(workdir)))
    qt = QTranslator(app)
    qt.load(f"qtbase_{lang}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
    app.installTranslator(own)
    app.installTranslator(qt)
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    i18n._current_language = lang  # what the Translations class records after switching


# --- data -----------------------------------------------------------------------------


def photo_jpeg(seed: int, size=(1200, 900)) -> bytes:
    """A made-up "photo" of a shop counter: shelves of coloured packs."""
    rng = random.Random(seed)
    img = Image.new("RGB", size, (214, 200, 178))
    draw = ImageDraw.Draw(img)
    w, h = size
    draw.rectangle([0, int(h * 0.72), w, h], fill=(120, 86, 58))
    for shelf in range(4):
        y0 = int(h * 0.08) + shelf * int(h * 0.16)
        draw.rectangle([int(w * 0.05), y0 + int(h * 0.13), int(w * 0.95), y0 + int(h * 0.145)], fill=(90, 70, 50))
        x = int(w * 0.06)
        while x < w * 0.93:
            pw = rng.randint(int(w * 0.035), int(w * 0.05))
            colour = rng.choice([(200, 30, 40), (240, 200, 40), (30, 80, 160), (240, 240, 235), (20, 120, 70),
                                 (150, 40, 120)])
            draw.rectangle([x, y0 + rng.randint(0, 8), x + pw, y0 + int(h * 0.13)], fill=colour,
                           outline=(60, 50, 40))
            x += pw + rng.randint(2, 6)
    draw.rectangle([int(w * 0.3), int(h * 0.76), int(w * 0.7), int(h * 0.86)], fill=(250, 250, 245))
    img = img.filter(ImageFilter.GaussianBlur(1.2))
    buffer = io.BytesIO()
    img.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


NOTES = {
    "needs": ["希望增加芙蓉王（硬）货源投放", "想要新的价签和陈列架", "咨询电子结算开通流程", "希望学习订货技巧"],
    "concerns": ["担心新品不好卖", "对价格调整有疑问", "担心货源不足"],
    "complaints": ["上周送货晚了两天"],
    "market_info": ["附近新开一家便利店，中华（软）售价偏低", "白沙（精品）断货一周", ""],
    "abnormalities": ["", "", "晚上十点后常关门"],
    "advice": ["建议按品牌陈列标准调整柜台", "建议增加中高端品规陈列面", "讲解了品牌结构优化"],
}


FAIL_NOTES = {
    "counter_clean": ["柜台杂物堆放", "柜面灰尘较多"],
    "display_standard": ["陈列面不足", "未按品牌分区陈列"],
    "price_marked": ["价签缺失", "两个品规价签与售价不一致"],
    "new_products": ["新品未上柜"],
    "publicity": ["宣传物料已过期"],
    "minors_sign": ["标识被货架遮挡", "标识缺失"],
    "licence_displayed": ["许可证未悬挂"],
    "no_counterfeit": ["发现疑似假烟两条，已登记"],
    "brand_substitution": ["未给出替代建议"],
}


def seed_history(engine, profile, today: date, *, seed: int = 7) -> None:
    """Half a year of visits for most customers, so the plan shows every kind of reason."""
    from fieldapp.core.entities import AnswerResult, ItemKind, VisitType
    from fieldapp.store import visits as V
    from fieldapp.store.db import write_transaction
    from fieldapp.store.photos import import_photo, add_attachment
    from fieldapp.store.planning_facts import build_planning_facts
    from fieldapp.store.templates import current_template
    from fieldapp.gui.visit.ops import visit_template_code

    rng = random.Random(seed)
    tz = datetime.now().astimezone().tzinfo
    small = import_photo(profile, photo_jpeg(1, (320, 240)))
    with engine.connect() as conn:
        facts = build_planning_facts(conn, today)
        template = current_template(conn, visit_template_code(conn))
    interval = {"A": 7, "B": 14, "C": 30}
    with write_transaction(engine) as conn:
        for f in facts:
            if rng.random() < 0.08:
                continue  # never visited
            every = interval[f.customer_class.value]
            last_gap = max(1, int(every * rng.uniform(0.3, 1.2)))
            day = today - timedelta(days=last_gap)
            count = rng.randint(2, 8) if f.customer_class.value != "C" else rng.randint(1, 4)
            days = [day - timedelta(days=k * every + (rng.randint(-2, 2) if k else 0)) for k in range(count)][::-1]
            for k, visit_day in enumerate(days):
                start = datetime.combine(visit_day, datetime.min.time()).replace(
                    hour=rng.randint(8, 16), minute=rng.randint(0, 59), tzinfo=tz)
                visit = V.start_visit(conn, f.customer_id, rng.choice(list(VisitType)), "mgr-demo", start,
                                      (f.latitude, f.longitude) if f.latitude else None,
                                      template_code=template.code)
                quality = rng.uniform(0.92, 1.0)
                for item in template.items:
                    if not item.required and rng.random() < 0.4:
                        continue
                    roll = rng.random()
                    result = AnswerResult.PASS if roll < quality else (
                        AnswerResult.NOT_APPLICABLE if roll > 0.97 and not item.required else AnswerResult.FAIL)
                    fields = {"result": result}
                    if item.kind is ItemKind.COUNT:
                        fields["count"] = rng.randint(2, 24)
                    if result is AnswerResult.FAIL:
                        fields["note"] = rng.choice(FAIL_NOTES.get(item.key, ["不符合要求"]))
                    V.set_answer(conn, visit.id, item.key, **fields)
                    if item.photo_required and result is not AnswerResult.NOT_APPLICABLE:
                        add_attachment(conn, visit.id, item.key, small, "counter.jpg")
                for name, options in NOTES.items():
                    text = rng.choice(options)
                    if text and rng.random() < (0.04 if name == "complaints" else 0.5):
                        V.save_visit_note_field(conn, visit.id, name, text)
                end = start + timedelta(minutes=rng.randint(12, 48))
                result = V.check_out(conn, visit.id, end)
                last = k == len(days) - 1
                if result.proposed_follow_ups and last and rng.random() < 0.4:
                    V.create_follow_ups(conn, result.proposed_follow_ups[:1])
                if last and rng.random() < 0.15:
                    V.add_follow_up(conn, f.customer_id, rng.choice(["送新版价签", "协助开通电子结算",
                                                                     "回访投诉处理结果"]),
                                    visit_day + timedelta(days=rng.randint(2, 12)), owner_id="mgr-demo",
                                    visit_id=visit.id)


# --- screenshots ------------------------------------------------------------------------


def wait_until(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the widget did not reach the expected state")
        QCoreApplication.processEvents()
        time.sleep(0.01)


def settle(seconds: float = 0.3) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        time.sleep(0.01)


def pick_font(app: QApplication) -> None:
    families = set(QFontDatabase.families())
    for family in ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei"):
        if family in families:
            app.setFont(QFont(family, 10))
            return
    print("warning: no CJK font found; install fonts-noto-cjk", file=sys.stderr)


def save(widget: QWidget, path: Path) -> None:
    settle(0.2)
    widget.grab().save(str(path))
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--lang", default="zh_CN", choices=["zh_CN", "en"])
    parser.add_argument("--customers", type=int, default=600)
    parser.add_argument("--suffix", default="", help="appended to the file names (e.g. -en)")
    parser.add_argument("--check-strings", action="store_true")
    args = parser.parse_args()
    if args.check_strings:
        return check_strings()
    args.out.mkdir(parents=True, exist_ok=True)

    from fieldapp.core.entities import AnswerResult, VisitType
    from fieldapp.demo import generate_demo_profile
    from fieldapp.gui import operations as ops
    from fieldapp.gui.visit import CustomerHistoryWidget, PlanView, VisitScreen
    from fieldapp.store import visits as V
    from fieldapp.store.db import write_transaction
    from fieldapp.store.migrate import open_profile_database
    from fieldapp.store.profile import Profile
    from fieldapp.gui.visit.ops import visit_template_code
    from fieldapp.store.templates import current_template

    tmp = Path(tempfile.mkdtemp(prefix="fieldapp-visit-shots-"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp / "settings"))
    profile = Profile(tmp / "profile")
    engine = open_profile_database(profile)
    now = datetime.now().astimezone().replace(hour=10, minute=12, second=0, microsecond=0)
    today = now.date()
    generate_demo_profile(engine, args.customers, seed=7, today=today)
    seed_history(engine, profile, today)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    pick_font(app)
    install_language(app, args.lang, tmp)

    worker = ops.DbWorker(engine)
    hub = ops.OperationHub(worker)
    clock = {"now": now}

    plan = PlanView(today=lambda: today, now=lambda: clock["now"])
    plan.resize(1480, 900)
    plan.show()
    loaded = []
    plan.sig_plan_loaded.connect(loaded.append)
    plan.start()
    wait_until(lambda: loaded)
    plan.order_as_route()  # the manager ordered the day into a route first thing
    wait_until(lambda: plan.current_day() is not None and plan.current_day().saved)
    ids = plan.visible_customer_ids()

    # The morning so far: the working day started, one store visited, the next one in progress.
    with write_transaction(engine) as conn:
        V.start_working_day(conn, None, now.replace(hour=8, minute=2))
        template = current_template(conn, visit_template_code(conn))
        done = V.start_visit(conn, ids[0], VisitType.SERVICE, None, now.replace(hour=8, minute=31),
                             template_code=template.code)
        for item in template.items:
            result = AnswerResult.FAIL if item.key == "price_marked" else AnswerResult.PASS
            fields = {"result": result}
            if item.kind.value == "count":
                fields["count"] = 12
            if item.kind.value == "note" and result is AnswerResult.FAIL:
                fields["note"] = "价签缺失"
            V.set_answer(conn, done.id, item.key, **fields)
        for item in template.items:
            if item.photo_required:
                from fieldapp.store.photos import attach_photo
                attach_photo(conn, profile, done.id, item.key, photo_jpeg(3, (320, 240)))
        V.check_out(conn, done.id, now.replace(hour=9, minute=4))

    screen = VisitScreen(profile, now=lambda: clock["now"])
    screen.resize(1480, 960)
    screen.show()
    plan.sig_start_visit.connect(lambda cid: screen.start_for_customer(cid, VisitType.INSPECTION))
    first = plan.visible_customer_ids()
    target = ids[1]
    row = plan.model.row_of(target)
    started = []
    screen.sig_start_info_loaded.connect(started.append)
    clock["now"] = now.replace(hour=9, minute=31)
    plan.start_visit_at(row)
    wait_until(lambda: started)
    screen.lat_edit.setText("28.24315")
    screen.lon_edit.setText("113.08127")
    save(screen, args.out / f"visit-start{args.suffix}.png")
    screen.check_in()
    wait_until(lambda: screen.state is not None)
    clock["now"] = now.replace(hour=9, minute=58)

    rows = screen.checklist.rows
    answers = {"counter_clean": AnswerResult.PASS, "display_standard": AnswerResult.PASS,
               "price_marked": AnswerResult.FAIL, "new_products": AnswerResult.PASS}
    for key, result in answers.items():
        if key in rows:
            rows[key].set_result(result)
    if "display_standard" in rows:
        rows["display_standard"].count_spin.setValue(14)
    if "new_products" in rows:
        rows["new_products"].count_spin.setValue(3)
    if "price_marked" in rows:
        rows["price_marked"].note_edit.setText("两个品规价签与实际售价不一致")
        rows["price_marked"].note_edit.textEdited.emit("两个品规价签与实际售价不一致")
    photo = tmp / "counter.jpg"
    photo.write_bytes(photo_jpeg(11))
    from PySide6.QtWidgets import QFileDialog
    QFileDialog.getOpenFileName = staticmethod(lambda *a, **k: (str(photo), ""))  # no dialog offscreen
    attached = []
    screen.sig_photo_attached.connect(attached.append)
    screen.attach_file("display_standard")
    photo2 = tmp / "price.jpg"
    photo2.write_bytes(photo_jpeg(12))
    QFileDialog.getOpenFileName = staticmethod(lambda *a, **k: (str(photo2), ""))
    screen.attach_file("price_marked")
    wait_until(lambda: len(attached) == 2)
    screen.notes.set_text("needs", "希望增加芙蓉王（硬）的投放量，想要一套新的价签。")
    screen.notes.set_text("market_info", "对面新开便利店，中华（软）售价低 2 元。")
    screen.flush()
    wait_until(screen.all_saved)
    screen._update_header()
    save(screen, args.out / f"visit-screen{args.suffix}.png")

    loaded.clear()
    plan.refresh()
    wait_until(lambda: loaded)
    plan.view.clearSelection()
    save(plan, args.out / f"visit-plan{args.suffix}.png")

    # A customer with a long history: the one with the most visits among today's plan.
    history = CustomerHistoryWidget(today=lambda: today)
    history.resize(1480, 940)
    history.show()
    from fieldapp.store.history import visit_count
    with engine.connect() as conn:
        best = max(first, key=lambda cid: visit_count(conn, cid))
    got = []
    history.sig_loaded.connect(got.append)
    history.set_customer(best)
    wait_until(lambda: got)
    save(history, args.out / f"customer-history{args.suffix}.png")

    for widget in (plan, screen, history):
        widget.close()
        widget.deleteLater()
    hub.shutdown()
    QCoreApplication.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
