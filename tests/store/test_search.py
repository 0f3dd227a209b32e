"""Customer search over the bigram FTS index: any substring of the searched fields, Chinese included."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldapp.store.customers import CustomerQuery, delete_customer, get_customer, save_customer, search_customer_ids
from fieldapp.store.db import write_transaction
from fieldapp.store.migrate import open_profile_database
from fieldapp.store.profile import Profile
from tests.conftest import make_customer

WANG = dict(id="wang", code="HX0042", store_name="王记便利店", owner="王建国", phone="13812345678",
            address="长沙县黄兴镇蓝田村12号")
LI = dict(id="li", code="HX0107", store_name="李家超市", owner="李秀英", phone="0731-84561234",
          address="浏阳市集里街道MALL广场3栋")


@pytest.fixture
def two_stores(engine):
    with write_transaction(engine) as conn:
        save_customer(conn, make_customer(**WANG))
        save_customer(conn, make_customer(**LI))
    return engine


def find(engine, text: str, **filters) -> set[str]:
    with engine.connect() as conn:
        return set(search_customer_ids(conn, CustomerQuery(text=text, **filters)))


@pytest.mark.parametrize("query", [
    "王记", "便利", "利店", "王记便利店",      # store name: start, middle, end, whole
    "王建", "建国",                            # owner
    "长沙", "黄兴镇", "蓝田村", "12号",          # address: start, middle, end (with digits)
])
def test_chinese_substrings_find_the_store(two_stores, query):
    assert find(two_stores, query) == {"wang"}


@pytest.mark.parametrize("query,expected", [
    ("店", {"wang"}), ("市", {"li"}), ("王", {"wang"}), ("号", {"wang"}),
    ("家", {"li"}),
])
def test_single_character_finds_it_anywhere(two_stores, query, expected):
    assert find(two_stores, query) == expected


@pytest.mark.parametrize("query,expected", [
    ("HX0042", {"wang"}), ("hx0042", {"wang"}), ("0042", {"wang"}), ("HX", {"wang", "li"}),
    ("0107", {"li"}),
    ("1381234", {"wang"}), ("5678", {"wang"}),
    ("84561234", {"li"}), ("0731", {"li"}),
    ("mall", {"li"}), ("Mall", {"li"}), ("MALL广场", {"li"}),
])
def test_codes_phone_digits_and_latin_case_insensitive(two_stores, query, expected):
    assert find(two_stores, query) == expected


def test_several_words_must_all_match(two_stores):
    assert find(two_stores, "王记 黄兴") == {"wang"}
    assert find(two_stores, "王记 浏阳") == set()


def test_text_that_is_not_in_any_store_finds_nothing(two_stores):
    assert find(two_stores, "记便利商") == set()
    assert find(two_stores, "店王") == set()        # end of one field + start of the next is not a substring
    assert find(two_stores, "号王记") == set()


@pytest.mark.parametrize("query", ["!!!", "——", "、，。", "-", "()"])
def test_punctuation_only_finds_nothing(two_stores, query):
    assert find(two_stores, query) == set()


@pytest.mark.parametrize("query", ["", "   "])
def test_blank_text_filters_nothing(two_stores, query):
    assert find(two_stores, query) == {"wang", "li"}


def test_punctuation_inside_a_query_splits_it(two_stores):
    assert find(two_stores, "0731-8456") == {"li"}


def test_rename_reindexes(two_stores):
    with write_transaction(two_stores) as conn:
        customer = get_customer(conn, "wang")
        customer.store_name = "鑫源烟酒行"
        save_customer(conn, customer)
    assert find(two_stores, "便利") == set()
    assert find(two_stores, "烟酒") == {"wang"}
    assert find(two_stores, "王建国") == {"wang"}  # unchanged fields still found


def test_change_of_unsearched_field_keeps_the_entry(two_stores):
    with write_transaction(two_stores) as conn:
        customer = get_customer(conn, "wang")
        customer.notes = "周二送货"
        save_customer(conn, customer)
    assert find(two_stores, "便利") == {"wang"}
    assert find(two_stores, "周二") == set()  # notes are not searched


def test_deleted_customer_is_not_found(two_stores):
    with write_transaction(two_stores) as conn:
        delete_customer(conn, "wang")
    assert find(two_stores, "便利") == set()
    assert find(two_stores, "王") == set()
    assert find(two_stores, "") == {"li"}


def test_search_combines_with_filters(two_stores):
    assert find(two_stores, "HX", route="R01") == {"wang", "li"}
    assert find(two_stores, "HX", route="R99") == set()
    assert find(two_stores, "王记", tag="近学校") == {"wang"}
    assert find(two_stores, "王记", tag="无此标签") == set()


def test_unknown_sort_column_refused(two_stores):
    with two_stores.connect() as conn, pytest.raises(ValueError):
        search_customer_ids(conn, CustomerQuery(sort_column="id; DROP TABLE customers"))


# --- property: any substring of two or more characters finds the customer ----------

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
MIXED = st.one_of(CJK, st.sampled_from("ABCXYZabcxyz0123456789"))


@pytest.fixture(scope="module")
def shared_engine(tmp_path_factory):
    engine = open_profile_database(Profile(tmp_path_factory.mktemp("search-property")))
    with write_transaction(engine) as conn:
        # neighbours that must not be confused with the customer under test
        save_customer(conn, make_customer(id="other", code="OTHER1", store_name="其他商店", owner="某人",
                                          address="别处"))
    yield engine
    engine.dispose()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(CJK, min_size=2, max_size=30), owner=st.text(MIXED, min_size=2, max_size=10),
       data=st.data())
def test_any_substring_of_two_or_more_characters_is_found(shared_engine, name, owner, data):
    with write_transaction(shared_engine) as conn:
        save_customer(conn, make_customer(id="target", code="T1", store_name=name, owner=owner))
    field = data.draw(st.sampled_from([name, owner]), label="field")
    start = data.draw(st.integers(0, len(field) - 2), label="start")
    end = data.draw(st.integers(start + 2, len(field)), label="end")
    with shared_engine.connect() as conn:
        found = search_customer_ids(conn, CustomerQuery(text=field[start:end]))
    assert "target" in found
    # ...and only a real substring: one more character ("Q" occurs in no field) finds nothing
    with shared_engine.connect() as conn:
        assert search_customer_ids(conn, CustomerQuery(text=name + "Q")) == []
