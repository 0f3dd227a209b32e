"""Domain entities of the field account manager's world (see docs/architecture.md).

Entities are plain dataclasses. Identity is a client-generated UUID (text) so a
record can be created offline on any laptop and still be unique everywhere.
Sync bookkeeping (version, timestamps, tombstone) belongs to the store, not here.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from .messages import QT_TRANSLATE_NOOP


def new_id() -> str:
    """A fresh client-generated identifier (UUID4, canonical text form)."""
    return str(uuid.uuid4())


class LabelledEnum(str, enum.Enum):
    """A string enum whose members carry an English label marked for translation."""

    def __new__(cls, value: str, label: str):
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.label = label
        return obj


class MarketType(LabelledEnum):
    URBAN = ("urban", QT_TRANSLATE_NOOP("Enum", "Urban"))
    RURAL = ("rural", QT_TRANSLATE_NOOP("Enum", "Rural"))


class BusinessFormat(LabelledEnum):
    CONVENIENCE = ("convenience", QT_TRANSLATE_NOOP("Enum", "Convenience store"))
    GROCERY = ("grocery", QT_TRANSLATE_NOOP("Enum", "Grocery"))
    SUPERMARKET = ("supermarket", QT_TRANSLATE_NOOP("Enum", "Supermarket"))
    MALL = ("mall", QT_TRANSLATE_NOOP("Enum", "Mall"))
    HOSPITALITY = ("hospitality", QT_TRANSLATE_NOOP("Enum", "Hospitality / entertainment"))
    OTHER = ("other", QT_TRANSLATE_NOOP("Enum", "Other"))


class CustomerStatus(LabelledEnum):
    ACTIVE = ("active", QT_TRANSLATE_NOOP("Enum", "Active"))
    SUSPENDED = ("suspended", QT_TRANSLATE_NOOP("Enum", "Suspended"))
    CLOSED = ("closed", QT_TRANSLATE_NOOP("Enum", "Closed"))


class CustomerClass(LabelledEnum):
    """Visit-cadence class. Derived from grade and tags by :func:`derive_customer_class`."""

    A = ("A", "A")
    B = ("B", "B")
    C = ("C", "C")


class IntegrityRating(LabelledEnum):
    AAA = ("AAA", "AAA")
    AA = ("AA", "AA")
    A = ("A", "A")
    B = ("B", "B")
    C = ("C", "C")


class OrderDay(LabelledEnum):
    MON = ("mon", QT_TRANSLATE_NOOP("Enum", "Monday"))
    TUE = ("tue", QT_TRANSLATE_NOOP("Enum", "Tuesday"))
    WED = ("wed", QT_TRANSLATE_NOOP("Enum", "Wednesday"))
    THU = ("thu", QT_TRANSLATE_NOOP("Enum", "Thursday"))
    FRI = ("fri", QT_TRANSLATE_NOOP("Enum", "Friday"))
    SAT = ("sat", QT_TRANSLATE_NOOP("Enum", "Saturday"))
    SUN = ("sun", QT_TRANSLATE_NOOP("Enum", "Sunday"))


class VisitType(LabelledEnum):
    SERVICE = ("service", QT_TRANSLATE_NOOP("Enum", "Service visit"))
    INSPECTION = ("inspection", QT_TRANSLATE_NOOP("Enum", "Inspection visit"))
    GUIDANCE = ("guidance", QT_TRANSLATE_NOOP("Enum", "Guidance visit"))


class VisitStatus(LabelledEnum):
    IN_PROGRESS = ("in_progress", QT_TRANSLATE_NOOP("Enum", "In progress"))
    COMPLETED = ("completed", QT_TRANSLATE_NOOP("Enum", "Completed"))


class ItemKind(LabelledEnum):
    """How a checklist item is answered."""

    PASS_FAIL = ("pass_fail", QT_TRANSLATE_NOOP("Enum", "Pass / fail"))
    COUNT = ("count", QT_TRANSLATE_NOOP("Enum", "Pass / fail with a count"))
    NOTE = ("note", QT_TRANSLATE_NOOP("Enum", "Pass / fail with a note"))


class AnswerResult(LabelledEnum):
    PASS = ("pass", QT_TRANSLATE_NOOP("Enum", "Pass"))
    FAIL = ("fail", QT_TRANSLATE_NOOP("Enum", "Fail"))
    NOT_APPLICABLE = ("na", QT_TRANSLATE_NOOP("Enum", "Not applicable"))


class FollowUpStatus(LabelledEnum):
    OPEN = ("open", QT_TRANSLATE_NOOP("Enum", "Open"))
    DONE = ("done", QT_TRANSLATE_NOOP("Enum", "Done"))
    CANCELLED = ("cancelled", QT_TRANSLATE_NOOP("Enum", "Cancelled"))


@dataclass
class Customer:
    """A retail customer file (客户档案)."""

    id: str = field(default_factory=new_id)
    code: str = ""
    licence_no: str = ""
    licence_expiry: date | None = None
    store_name: str = ""
    owner: str = ""
    phone: str = ""
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    market_type: MarketType = MarketType.RURAL
    business_format: BusinessFormat = BusinessFormat.GROCERY
    grade: int = 1
    customer_class: CustomerClass = CustomerClass.C
    route: str = ""
    order_day: OrderDay | None = None
    modern_terminal: bool = False
    integrity_rating: IntegrityRating | None = None
    ecommerce_enabled: bool = False
    tags: list[str] = field(default_factory=list)
    manager_id: str | None = None
    backup_manager_id: str | None = None
    status: CustomerStatus = CustomerStatus.ACTIVE
    needs: str = ""
    notes: str = ""


@dataclass
class ChecklistItem:
    """One item of a checklist template version."""

    key: str
    label_zh: str
    label_en: str
    kind: ItemKind = ItemKind.PASS_FAIL
    weight: float = 1.0
    photo_required: bool = False
    required: bool = True


@dataclass
class ChecklistTemplate:
    """A centrally defined, versioned checklist. Answers keep the version they used."""

    id: str = field(default_factory=new_id)
    code: str = ""
    name_zh: str = ""
    name_en: str = ""
    version: int = 1
    items: list[ChecklistItem] = field(default_factory=list)


@dataclass
class Visit:
    id: str = field(default_factory=new_id)
    customer_id: str = ""
    visit_type: VisitType = VisitType.SERVICE
    status: VisitStatus = VisitStatus.IN_PROGRESS
    manager_id: str | None = None
    on_behalf_of: str | None = None
    check_in_at: datetime | None = None
    check_out_at: datetime | None = None
    latitude: float | None = None
    longitude: float | None = None
    template_id: str | None = None
    template_version: int | None = None
    score: float | None = None


@dataclass
class ChecklistAnswer:
    id: str = field(default_factory=new_id)
    visit_id: str = ""
    item_key: str = ""
    result: AnswerResult | None = None
    count: int | None = None
    note: str = ""


@dataclass
class VisitNote:
    """What the retailer said and what was seen (拜访记录)."""

    id: str = field(default_factory=new_id)
    visit_id: str = ""
    needs: str = ""
    concerns: str = ""
    complaints: str = ""
    market_info: str = ""
    abnormalities: str = ""
    advice: str = ""
    free_text: str = ""


@dataclass
class FollowUp:
    id: str = field(default_factory=new_id)
    customer_id: str = ""
    visit_id: str | None = None
    title: str = ""
    due_date: date | None = None
    status: FollowUpStatus = FollowUpStatus.OPEN
    owner_id: str | None = None
    source_item_key: str | None = None


@dataclass
class Attachment:
    """A photo, stored content-addressed by its SHA-256."""

    id: str = field(default_factory=new_id)
    visit_id: str = ""
    item_key: str | None = None
    sha256: str = ""
    filename: str = ""
    mime_type: str = ""
    size_bytes: int = 0


def derive_customer_class(grade: int, tags: list[str] | tuple[str, ...] = ()) -> CustomerClass:
    """Visit-cadence class from grade and tags.

    Grades 1-30 are set by the company from sales volume. Big stores (grade >= 21)
    are visited weekly (A), mid-sized (11-20) fortnightly (B), small ones monthly
    (C). A complaint history or a new-product pilot lifts a store one class,
    because those need closer attention than volume alone says.
    """
    if grade >= 21:
        klass = CustomerClass.A
    elif grade >= 11:
        klass = CustomerClass.B
    else:
        klass = CustomerClass.C
    lifting = {"complaint history", "投诉历史", "new product pilot", "新品试点"}
    if any(tag in lifting for tag in tags):
        klass = {CustomerClass.C: CustomerClass.B, CustomerClass.B: CustomerClass.A}.get(klass, klass)
    return klass
