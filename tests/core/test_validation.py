"""Every rule of fieldapp.core.validation, and messages that name the field in English."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from fieldapp.core.entities import (
    BusinessFormat,
    Customer,
    CustomerClass,
    CustomerStatus,
    IntegrityRating,
    MarketType,
    OrderDay,
)
from fieldapp.core.messages import Message
from fieldapp.core.validation import (
    FIELD_LABELS,
    GRADE_MAX,
    GRADE_MIN,
    MAX_TAG_LEN,
    MAX_TAGS,
    MAX_TEXT,
    FieldError,
    blocking,
    parse_customer,
    parse_date,
    parse_tags,
    validate_customer,
)

TODAY = date(2026, 11, 23)
VALID = dict(code="C0001", licence_no="430121100001", licence_expiry=date(2030, 6, 30), store_name="王记便利店",
             owner="王建国", phone="13812345678", address="长沙县黄兴镇蓝田村12号", grade=12)


def customer(**overrides) -> Customer:
    return Customer(**{**VALID, **overrides})


def problems(c: Customer) -> dict[str, list[FieldError]]:
    out: dict[str, list[FieldError]] = {}
    for error in validate_customer(c, today=TODAY):
        out.setdefault(error.field, []).append(error)
    return out


def fields_with_errors(c: Customer) -> set[str]:
    return {e.field for e in blocking(validate_customer(c, today=TODAY))}


def test_a_valid_customer_has_no_problems():
    assert validate_customer(customer(), today=TODAY) == []


# --- licence -----------------------------------------------------------------

@pytest.mark.parametrize("licence", ["430121100001", "000000000000"])
def test_licence_with_12_digits_is_accepted(licence):
    assert "licence_no" not in problems(customer(licence_no=licence))


@pytest.mark.parametrize("licence", ["43012110000", "4301211000012", "43012110000A", "4301-21100001", "４３０１２１１０００01"])
def test_licence_not_12_ascii_digits_is_refused(licence):
    [error] = problems(customer(licence_no=licence))["licence_no"]
    assert not error.warning
    assert error.render().startswith("Licence number: ")
    assert licence in error.render() and "12 digits" in error.render()


@pytest.mark.parametrize("name,value", [("licence_no", "430121100001\n"), ("phone", "13812345678\n"),
                                        ("code", "C0001\n")])
def test_trailing_newline_is_refused(name, value):
    assert name in fields_with_errors(customer(**{name: value}))


def test_full_width_input_is_normalised_when_parsed():
    c, errors = parse_customer({**VALID, "licence_no": "４３０１２１１０００01", "phone": "０７３１－８４５６１２３４",
                                "code": "Ｃ０００１"})
    assert errors == []
    assert (c.licence_no, c.phone, c.code) == ("430121100001", "0731-84561234", "C0001")


def test_expired_licence_is_a_warning_not_an_error():
    c = customer(licence_expiry=date(2026, 11, 22))
    [warning] = problems(c)["licence_expiry"]
    assert warning.warning
    assert "2026-11-22" in warning.render() and warning.render().startswith("Licence expiry: ")
    assert blocking(validate_customer(c, today=TODAY)) == []


def test_licence_expiring_today_is_fine():
    assert "licence_expiry" not in problems(customer(licence_expiry=TODAY))


def test_missing_licence_expiry_is_an_error():
    [error] = problems(customer(licence_expiry=None))["licence_expiry"]
    assert not error.warning


# --- phone ---------------------------------------------------------------------

@pytest.mark.parametrize("phone", ["13812345678", "19912345678", "138 1234 5678", "0731-84561234", "073184561234",
                                   "010-12345678", "0755-1234567", ""])
def test_mobile_landline_or_empty_phone_is_accepted(phone):
    assert "phone" not in problems(customer(phone=phone))


@pytest.mark.parametrize("phone", ["12812345678", "1381234567", "138123456789", "84561234", "0731-845612",
                                   "abc", "+86 13812345678"])
def test_other_phone_numbers_are_refused(phone):
    [error] = problems(customer(phone=phone))["phone"]
    assert error.render().startswith("Phone: ") and phone in error.render()


# --- grade ---------------------------------------------------------------------

@pytest.mark.parametrize("grade,ok", [(0, False), (1, True), (30, True), (31, False), (-5, False), (12.5, False),
                                      ("12", False)])
def test_grade_bounds(grade, ok):
    assert ("grade" not in problems(customer(grade=grade))) is ok


def test_grade_message_gives_the_range():
    [error] = problems(customer(grade=31))["grade"]
    assert error.render() == f"Grade: The grade must be a whole number from {GRADE_MIN} to {GRADE_MAX}."


@pytest.mark.parametrize("raw,expected_error", [("30", False), ("1", False), ("0", True), ("31", True), ("", True),
                                                ("12.5", True), ("twelve", True)])
def test_grade_parsed_from_text(raw, expected_error):
    c, errors = parse_customer({**VALID, "grade": raw})
    assert any(e.field == "grade" for e in errors) is expected_error
    if not expected_error:
        assert c.grade == int(raw)


def test_unparseable_grade_is_reported_once_with_the_typed_text():
    _, errors = parse_customer({**VALID, "grade": "12.5"})
    grade_errors = [e for e in errors if e.field == "grade"]
    assert len(grade_errors) == 1
    assert "'12.5' is not a whole number" in grade_errors[0].render()


# --- required fields and lengths ----------------------------------------------------

@pytest.mark.parametrize("name", ["code", "licence_no", "store_name", "owner", "address"])
@pytest.mark.parametrize("blank", ["", "   "])
def test_required_fields(name, blank):
    errors = problems(customer(**{name: blank}))[name]
    assert errors[0].render() == f"{FIELD_LABELS[name]}: This field is required. Please fill it in."


@pytest.mark.parametrize("name", sorted(MAX_TEXT))
def test_text_length_limits(name):
    limit = MAX_TEXT[name]
    fill = "A" if name == "code" else "店"
    assert name not in fields_with_errors(customer(**{name: fill * limit}))
    errors = problems(customer(**{name: fill * (limit + 1)}))[name]
    assert any(f"{limit + 1} characters, at most {limit}" in e.render() for e in errors)


@pytest.mark.parametrize("code,ok", [("C0001", True), ("hx-0042", True), ("C 0001", False), ("C_0001", False),
                                     ("客户1", False)])
def test_code_characters(code, ok):
    assert ("code" not in fields_with_errors(customer(code=code))) is ok


# --- position -----------------------------------------------------------------------

@pytest.mark.parametrize("lat,lon,bad", [
    (None, None, set()), (28.19, 113.08, set()), (-90, -180, set()), (90, 180, set()), (0, 0, set()),
    (28.19, None, {"longitude"}), (None, 113.08, {"latitude"}),
    (90.01, 113.08, {"latitude"}), (-90.5, 113.08, {"latitude"}),
    (28.19, 180.1, {"longitude"}), (28.19, -181, {"longitude"}),
    (float("nan"), 113.08, {"latitude"}),
])
def test_latitude_longitude_pairs_and_ranges(lat, lon, bad):
    assert fields_with_errors(customer(latitude=lat, longitude=lon)) == bad


def test_half_a_position_names_the_missing_half():
    [error] = problems(customer(latitude=28.19))["longitude"]
    assert error.render() == "Longitude: Enter both latitude and longitude, or neither."


def test_position_parsed_from_text():
    c, errors = parse_customer({**VALID, "latitude": " 28.1234 ", "longitude": "113.5"})
    assert errors == [] and (c.latitude, c.longitude) == (28.1234, 113.5)
    c, errors = parse_customer({**VALID, "latitude": "28,1", "longitude": "113.5"})
    assert [e.field for e in errors] == ["latitude"]
    assert "'28,1' is not a number" in errors[0].render()
    c, errors = parse_customer({**VALID, "latitude": "", "longitude": ""})
    assert errors == [] and c.latitude is None and c.longitude is None


# --- tags -----------------------------------------------------------------------------

def test_tag_limits():
    assert "tags" not in problems(customer(tags=[f"t{i}" for i in range(MAX_TAGS)]))
    [error] = problems(customer(tags=[f"t{i}" for i in range(MAX_TAGS + 1)]))["tags"]
    assert error.render() == f"Tags: At most {MAX_TAGS} tags are allowed."
    assert "tags" not in problems(customer(tags=["近" * MAX_TAG_LEN]))
    long_tag = "近" * (MAX_TAG_LEN + 1)
    [error] = problems(customer(tags=["ok", long_tag, long_tag + "x"]))["tags"]  # reported once
    assert long_tag in error.render()


@pytest.mark.parametrize("raw,expected", [
    ("近学校, 新品试点", ["近学校", "新品试点"]),
    ("近学校，新品试点；投诉历史、夜市", ["近学校", "新品试点", "投诉历史", "夜市"]),
    ("a;b;a; ;", ["a", "b"]),
    (["x", " y ", "x", ""], ["x", "y"]),
    (None, []), ("", []),
])
def test_parse_tags(raw, expected):
    assert parse_tags(raw) == expected


# --- managers ---------------------------------------------------------------------------

def test_backup_manager_must_differ_from_manager():
    [error] = problems(customer(manager_id="m1", backup_manager_id="m1"))["backup_manager_id"]
    assert error.render() == ("Backup manager: The backup manager must be someone other than the "
                              "assigned manager.")
    assert problems(customer(manager_id="m1", backup_manager_id="m2")) == {}
    assert problems(customer(manager_id=None, backup_manager_id=None)) == {}


# --- dates ------------------------------------------------------------------------------

@pytest.mark.parametrize("raw,expected", [
    ("2027-06-30", date(2027, 6, 30)), (" 2027-06-30 ", date(2027, 6, 30)),
    (date(2027, 6, 30), date(2027, 6, 30)), (datetime(2027, 6, 30, 9, 15), date(2027, 6, 30)),
    (None, None), ("", None),
])
def test_parse_date(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["2027/06/30", "30-06-2027", "2027-02-30", "2027-13-01", "tomorrow"])
def test_parse_date_refuses(raw):
    with pytest.raises(ValueError):
        parse_date(raw)


def test_bad_date_in_input_names_the_field_and_the_format():
    _, errors = parse_customer({**VALID, "licence_expiry": "2027/06/30"})
    [error] = [e for e in errors if e.field == "licence_expiry"]
    assert error.render() == ("Licence expiry: '2027/06/30' is not a date. Use the form YYYY-MM-DD, "
                              "e.g. 2027-06-30.")


# --- parse_customer ---------------------------------------------------------------------

def test_parse_customer_converts_every_kind_of_field():
    c, errors = parse_customer({
        **{k: str(v) for k, v in VALID.items()}, "market_type": "urban", "business_format": "supermarket",
        "status": "suspended", "order_day": "tue", "integrity_rating": "AA", "modern_terminal": "是",
        "ecommerce_enabled": "false", "tags": "近学校，投诉历史", "manager_id": " m1 ", "backup_manager_id": "",
        "route": " R07 ", "unknown_field": "ignored", "id": "must-not-change"})
    assert errors == []
    assert c.licence_expiry == date(2030, 6, 30) and c.grade == 12
    assert (c.market_type, c.business_format, c.status) == (MarketType.URBAN, BusinessFormat.SUPERMARKET,
                                                             CustomerStatus.SUSPENDED)
    assert (c.order_day, c.integrity_rating) == (OrderDay.TUE, IntegrityRating.AA)
    assert c.modern_terminal is True and c.ecommerce_enabled is False
    assert c.tags == ["近学校", "投诉历史"]
    assert (c.manager_id, c.backup_manager_id, c.route) == ("m1", None, "R07")
    assert c.id != "must-not-change"
    # grade 12 is class B; a complaint history lifts it to A
    assert c.customer_class == CustomerClass.A


def test_parse_customer_derives_class_unless_given():
    c, _ = parse_customer({**VALID, "grade": "5"})
    assert c.customer_class == CustomerClass.C
    c, _ = parse_customer({**VALID, "grade": "25"})
    assert c.customer_class == CustomerClass.A
    c, _ = parse_customer({**VALID, "grade": "25", "customer_class": "C"})
    assert c.customer_class == CustomerClass.C


@pytest.mark.parametrize("name", ["market_type", "business_format", "status", "order_day", "integrity_rating",
                                  "customer_class"])
def test_unknown_choice_is_an_error_naming_the_field(name):
    _, errors = parse_customer({**VALID, name: "nonsense"})
    [error] = [e for e in errors if e.field == name]
    assert error.render() == (f"{FIELD_LABELS[name]}: 'nonsense' is not one of the allowed choices. "
                              "Pick one from the list.")


def test_parse_customer_keeps_base_values_for_absent_fields():
    base = customer(notes="keep me", grade=20)
    c, errors = parse_customer({"store_name": "新店名"}, base=base)
    assert errors == []
    assert (c.store_name, c.notes, c.grade, c.id) == ("新店名", "keep me", 20, base.id)
    assert base.store_name == "王记便利店"  # the base is not modified


def test_parse_customer_reports_all_errors_at_once():
    _, errors = parse_customer({"code": "", "licence_no": "1", "store_name": "", "owner": "", "address": "",
                                "grade": "99", "phone": "12", "licence_expiry": "soon"})
    assert {e.field for e in errors} >= {"code", "licence_no", "store_name", "owner", "address", "grade", "phone",
                                         "licence_expiry"}


# --- messages ---------------------------------------------------------------------------

def test_every_rule_names_its_field_in_english():
    bad = customer(code="", licence_no="x", store_name="", owner="", address="", phone="1", grade=0,
                   latitude=91.0, longitude=None, licence_expiry=date(2000, 1, 1), tags=["t" * 50],
                   manager_id="m", backup_manager_id="m", notes="n" * 5000)
    errors = validate_customer(bad, today=TODAY)
    assert len({e.field for e in errors}) >= 11
    for error in errors:
        assert error.field in FIELD_LABELS, f"no label for {error.field}"
        label, _, text = error.render().partition(": ")
        assert label == FIELD_LABELS[error.field]
        assert text and text.isascii()  # English source text (the bad values here are ASCII too)
        assert "{" not in text  # every placeholder was filled


def test_render_uses_the_translator_for_label_and_text():
    error = FieldError("grade", Message("Validation", "The grade must be a whole number from {min} to {max}.",
                                        {"min": 1, "max": 30}))
    table = {("Field", "Grade"): "档位", ("Validation", "The grade must be a whole number from {min} to {max}."):
             "档位须为 {min} 到 {max} 的整数。"}
    assert error.render(lambda ctx, text: table.get((ctx, text), text)) == "档位: 档位须为 1 到 30 的整数。"


def test_broken_translation_falls_back_to_english():
    error = FieldError("grade", Message("Validation", "From {min} to {max}.", {"min": 1, "max": 30}))
    assert error.render(lambda ctx, text: "从 {minimum} 起" if ctx == "Validation" else text) == \
        "Grade: From 1 to 30."
