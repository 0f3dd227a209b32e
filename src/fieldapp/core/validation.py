"""Validation of user input into domain entities.

Every problem is a :class:`FieldError` naming the field and carrying a
translatable :class:`Message` that says what is wrong and what to do. Nothing
here raises on bad input: the form, the CLI and the importers all show the
errors and keep the user's text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from typing import Any, Iterable, Mapping

from .entities import (
    BusinessFormat,
    Customer,
    CustomerClass,
    CustomerStatus,
    IntegrityRating,
    MarketType,
    OrderDay,
    derive_customer_class,
)
from .messages import QT_TRANSLATE_NOOP, Message

CTX = "Validation"

GRADE_MIN, GRADE_MAX = 1, 30
MAX_TEXT = {"code": 20, "store_name": 60, "owner": 30, "address": 120, "route": 30, "needs": 2000, "notes": 4000}
MAX_TAGS, MAX_TAG_LEN = 20, 20

# 12 digits: the 6-digit administrative division code of the county, then a 6-digit serial.
# re.ASCII: \d would otherwise accept full-width and other Unicode digits (４３０１…), which
# the company's systems do not. \Z, not $: $ also matches before a trailing newline.
LICENCE_RE = re.compile(r"^\d{12}\Z", re.ASCII)
MOBILE_RE = re.compile(r"^1[3-9]\d{9}\Z", re.ASCII)
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}\Z", re.ASCII)
# Typed with a Chinese input method these often arrive in full-width form; NFKC makes them ASCII.
NORMALIZED_FIELDS = ("code", "licence_no", "phone")
CODE_RE = re.compile(r"^[A-Za-z0-9-]+\Z")

# Field labels, so CLI messages can name the field in the user's language.
FIELD_LABELS = {
    "code": QT_TRANSLATE_NOOP("Field", "Customer code"),
    "licence_no": QT_TRANSLATE_NOOP("Field", "Licence number"),
    "licence_expiry": QT_TRANSLATE_NOOP("Field", "Licence expiry"),
    "store_name": QT_TRANSLATE_NOOP("Field", "Store name"),
    "owner": QT_TRANSLATE_NOOP("Field", "Owner"),
    "phone": QT_TRANSLATE_NOOP("Field", "Phone"),
    "address": QT_TRANSLATE_NOOP("Field", "Address"),
    "latitude": QT_TRANSLATE_NOOP("Field", "Latitude"),
    "longitude": QT_TRANSLATE_NOOP("Field", "Longitude"),
    "market_type": QT_TRANSLATE_NOOP("Field", "Market type"),
    "business_format": QT_TRANSLATE_NOOP("Field", "Business format"),
    "grade": QT_TRANSLATE_NOOP("Field", "Grade"),
    "customer_class": QT_TRANSLATE_NOOP("Field", "Class"),
    "route": QT_TRANSLATE_NOOP("Field", "Delivery route"),
    "order_day": QT_TRANSLATE_NOOP("Field", "Ordering day"),
    "modern_terminal": QT_TRANSLATE_NOOP("Field", "Modern terminal"),
    "integrity_rating": QT_TRANSLATE_NOOP("Field", "Integrity rating"),
    "ecommerce_enabled": QT_TRANSLATE_NOOP("Field", "E-commerce ordering"),
    "tags": QT_TRANSLATE_NOOP("Field", "Tags"),
    "manager_id": QT_TRANSLATE_NOOP("Field", "Account manager"),
    "backup_manager_id": QT_TRANSLATE_NOOP("Field", "Backup manager"),
    "status": QT_TRANSLATE_NOOP("Field", "Status"),
    "needs": QT_TRANSLATE_NOOP("Field", "Needs and preferences"),
    "notes": QT_TRANSLATE_NOOP("Field", "Notes"),
}


@dataclass(frozen=True)
class FieldError:
    field: str
    message: Message
    warning: bool = False  # a warning is shown but does not block saving

    def render(self, translate=None) -> str:
        label = FIELD_LABELS.get(self.field, self.field)
        label = translate("Field", label) if translate else label
        return f"{label}: {self.message.render(translate)}"


def _msg(text: str, **params: Any) -> Message:
    # Callers wrap ``text`` in QT_TRANSLATE_NOOP("Validation", ...) so lupdate extracts it.
    return Message(CTX, text, params)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def parse_date(value: Any) -> date | None:
    """Parse ``YYYY-MM-DD`` (also accepts date/datetime objects). Raises ValueError."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return datetime.strptime(str(value).strip(), "%Y-%m-%d").date()


def _parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return _text(value).lower() in {"1", "true", "yes", "y", "on", "是"}


def _parse_enum(enum_cls, value: Any):
    if value is None or value == "":
        return None
    if isinstance(value, enum_cls):
        return value
    return enum_cls(_text(value))


def parse_tags(value: Any) -> list[str]:
    """Tags from a list or a comma/semicolon separated string (Chinese commas too)."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        raw: Iterable[str] = (str(v) for v in value)
    else:
        raw = re.split(r"[,;，；、]", str(value))
    seen: list[str] = []
    for tag in (t.strip() for t in raw):
        if tag and tag not in seen:
            seen.append(tag)
    return seen


def parse_customer(values: Mapping[str, Any], base: Customer | None = None) -> tuple[Customer, list[FieldError]]:
    """Build a customer from raw field values (strings from a form, CSV or CLI).

    Fields absent from ``values`` keep their value from ``base``. Returns the
    customer and every error found; the customer is only fit to save when there
    are no blocking errors.
    """
    customer = replace(base) if base is not None else Customer()
    errors: list[FieldError] = []
    known = {f.name for f in fields(Customer)}
    for name, raw in values.items():
        if name not in known or name == "id":
            continue
        try:
            if name == "licence_expiry":
                value: Any = parse_date(raw)
            elif name == "grade":
                value = int(_text(raw)) if _text(raw) else 0
            elif name in ("latitude", "longitude"):
                value = float(_text(raw)) if _text(raw) else None
            elif name in ("modern_terminal", "ecommerce_enabled"):
                value = _parse_bool(raw)
            elif name == "tags":
                value = parse_tags(raw)
            elif name == "market_type":
                value = _parse_enum(MarketType, raw)
            elif name == "business_format":
                value = _parse_enum(BusinessFormat, raw)
            elif name == "status":
                value = _parse_enum(CustomerStatus, raw)
            elif name == "order_day":
                value = _parse_enum(OrderDay, raw)
            elif name == "integrity_rating":
                value = _parse_enum(IntegrityRating, raw)
            elif name == "customer_class":
                value = _parse_enum(CustomerClass, raw)
            elif name in ("manager_id", "backup_manager_id"):
                value = _text(raw) or None
            elif name in NORMALIZED_FIELDS:
                value = unicodedata.normalize("NFKC", _text(raw))
            else:
                value = _text(raw)
        except ValueError:
            errors.append(FieldError(name, _parse_error_message(name, raw)))
            continue
        setattr(customer, name, value)
    if "customer_class" not in values or values.get("customer_class") in (None, ""):
        if isinstance(customer.grade, int) and GRADE_MIN <= customer.grade <= GRADE_MAX:
            customer.customer_class = derive_customer_class(customer.grade, customer.tags)
    failed = {e.field for e in errors}
    errors.extend(e for e in validate_customer(customer) if e.field not in failed)
    return customer, errors


def _parse_error_message(name: str, raw: Any) -> Message:
    if name == "licence_expiry":
        return _msg(QT_TRANSLATE_NOOP(
            "Validation", "'{value}' is not a date. Use the form YYYY-MM-DD, e.g. 2027-06-30."), value=_text(raw))
    if name == "grade":
        return _msg(QT_TRANSLATE_NOOP(
            "Validation", "'{value}' is not a whole number. Enter a grade from {min} to {max}."),
            value=_text(raw), min=GRADE_MIN, max=GRADE_MAX)
    if name in ("latitude", "longitude"):
        return _msg(QT_TRANSLATE_NOOP("Validation", "'{value}' is not a number. Enter decimal degrees, e.g. 28.1234."),
                    value=_text(raw))
    return _msg(QT_TRANSLATE_NOOP("Validation", "'{value}' is not one of the allowed choices. Pick one from the list."),
                value=_text(raw))


def validate_customer(customer: Customer, today: date | None = None) -> list[FieldError]:
    """Check a customer's values. Returns errors (blocking) and warnings."""
    today = today or date.today()
    errors: list[FieldError] = []

    def required(name: str, value: str) -> bool:
        if not value.strip():
            errors.append(FieldError(name, _msg(QT_TRANSLATE_NOOP(
                "Validation", "This field is required. Please fill it in."))))
            return False
        return True

    for name, limit in MAX_TEXT.items():
        value = getattr(customer, name) or ""
        if len(value) > limit:
            errors.append(FieldError(name, _msg(QT_TRANSLATE_NOOP(
                "Validation", "Too long: {length} characters, at most {max} allowed. Please shorten it."),
                length=len(value), max=limit)))

    if required("code", customer.code) and not CODE_RE.match(customer.code):
        errors.append(FieldError("code", _msg(QT_TRANSLATE_NOOP(
            "Validation", "Use only letters, digits and '-' in the customer code."))))
    if required("licence_no", customer.licence_no) and not LICENCE_RE.match(customer.licence_no):
        errors.append(FieldError("licence_no", _msg(QT_TRANSLATE_NOOP(
            "Validation", "A licence number has 12 digits (6-digit area code, then a 6-digit serial); "
            "'{value}' does not. Copy it from the licence."), value=customer.licence_no)))
    required("store_name", customer.store_name)
    required("owner", customer.owner)
    required("address", customer.address)
    phone = customer.phone.replace(" ", "")
    if phone and not (MOBILE_RE.match(phone) or LANDLINE_RE.match(phone)):
        errors.append(FieldError("phone", _msg(QT_TRANSLATE_NOOP(
            "Validation", "'{value}' is not a phone number. Enter an 11-digit mobile (13812345678) or a landline "
            "with area code (0731-84561234)."), value=customer.phone)))

    if not isinstance(customer.grade, int) or not GRADE_MIN <= customer.grade <= GRADE_MAX:
        errors.append(FieldError("grade", _msg(QT_TRANSLATE_NOOP(
            "Validation", "The grade must be a whole number from {min} to {max}."), min=GRADE_MIN, max=GRADE_MAX)))

    lat, lon = customer.latitude, customer.longitude
    if (lat is None) != (lon is None):
        missing = "longitude" if lon is None else "latitude"
        errors.append(FieldError(missing, _msg(QT_TRANSLATE_NOOP(
            "Validation", "Enter both latitude and longitude, or neither."))))
    if lat is not None and not -90 <= lat <= 90:
        errors.append(FieldError("latitude", _msg(QT_TRANSLATE_NOOP(
            "Validation", "Latitude must be between -90 and 90 degrees."))))
    if lon is not None and not -180 <= lon <= 180:
        errors.append(FieldError("longitude", _msg(QT_TRANSLATE_NOOP(
            "Validation", "Longitude must be between -180 and 180 degrees."))))

    if customer.licence_expiry is None:
        errors.append(FieldError("licence_expiry", _msg(QT_TRANSLATE_NOOP(
            "Validation", "Enter the licence expiry date (YYYY-MM-DD)."))))
    elif customer.licence_expiry < today:
        errors.append(FieldError("licence_expiry", _msg(QT_TRANSLATE_NOOP(
            "Validation", "The licence expired on {date}. The store may not sell tobacco until it is renewed."),
            date=customer.licence_expiry.isoformat()), warning=True))

    if len(customer.tags) > MAX_TAGS:
        errors.append(FieldError("tags", _msg(QT_TRANSLATE_NOOP(
            "Validation", "At most {max} tags are allowed."), max=MAX_TAGS)))
    for tag in customer.tags:
        if len(tag) > MAX_TAG_LEN:
            errors.append(FieldError("tags", _msg(QT_TRANSLATE_NOOP(
                "Validation", "The tag '{tag}' is longer than {max} characters."), tag=tag, max=MAX_TAG_LEN)))
            break
    if customer.backup_manager_id and customer.backup_manager_id == customer.manager_id:
        errors.append(FieldError("backup_manager_id", _msg(QT_TRANSLATE_NOOP(
            "Validation", "The backup manager must be someone other than the assigned manager."))))
    return errors


def blocking(errors: Iterable[FieldError]) -> list[FieldError]:
    """The errors that prevent saving (warnings removed)."""
    return [e for e in errors if not e.warning]
