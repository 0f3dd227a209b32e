"""Bigram tokenisation (index_tokens) and query building (fts_query), without a database."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fieldapp.core.search_text import fts_query, index_tokens


def test_bigrams_and_the_last_character_of_each_run():
    assert index_tokens("王记便利店") == "王记 记便 便利 利店 店"


def test_several_fields_and_runs():
    assert index_tokens("王记 便利", None, "", "C01") == "王记 记 便利 利 c0 01 1"


def test_single_character_run():
    assert index_tokens("A") == "a"


def test_punctuation_and_underscore_split_runs():
    assert index_tokens("0731-8456") == "07 73 31 1 84 45 56 6"
    assert index_tokens("a_b") == "a b"
    assert index_tokens("——、。！") == ""


def test_latin_is_case_folded():
    assert index_tokens("MaLL") == index_tokens("mall") == "ma al ll l"
    assert index_tokens("Straße") == index_tokens("STRASSE")


def test_nothing_to_index():
    assert index_tokens() == ""
    assert index_tokens(None, "", "  ") == ""


@pytest.mark.parametrize("query,expected", [
    ("便利", '"便利"'),
    ("王记便利", '"王记 记便 便利"'),
    ("店", '"店"*'),
    ("HX0042", '"hx x0 00 04 42"'),
    ("王记 黄兴", '"王记" AND "黄兴"'),
    ("0731-8456", '"07 73 31" AND "84 45 56"'),
    ("a 王记", '"a"* AND "王记"'),
])
def test_fts_query(query, expected):
    assert fts_query(query) == expected


@pytest.mark.parametrize("query", ["", "   ", "!!!", "——", "、，。", "-", '"', '" - "', "()*"])
def test_nothing_searchable_gives_none(query):
    assert fts_query(query) is None


@pytest.mark.parametrize("query", ['a"b', "x OR y", "NEAR(a b)", "a*", "col:value", "^start"])
def test_fts_syntax_in_the_query_is_neutralised(query):
    match = fts_query(query)
    assert match is not None
    # only quoted phrases of alphanumeric tokens joined by AND, optionally a trailing prefix star
    assert re.fullmatch(r'"[^\W_]+( [^\W_]+)*"\*?( AND "[^\W_]+( [^\W_]+)*"\*?)*', match), match


# --- property: a substring query matches the document as an FTS5 phrase would ------------

def _phrase_in(tokens: list[str], phrase: list[str]) -> bool:
    return any(tokens[i:i + len(phrase)] == phrase for i in range(len(tokens) - len(phrase) + 1))


def _matches(document: str, query: str) -> bool:
    """Evaluate fts_query's output against index_tokens' output the way FTS5 does (phrases, AND, prefix)."""
    tokens = document.split()
    for part in fts_query(query).split(" AND "):
        prefix = part.endswith("*")
        words = part.rstrip("*").strip('"').split()
        if prefix:
            if not any(t.startswith(words[0]) for t in tokens):
                return False
        elif not _phrase_in(tokens, words):
            return False
    return True


TEXT = st.text(st.one_of(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
                         st.sampled_from("AbZ09 -，、")), min_size=1, max_size=40)


@given(TEXT, st.data())
def test_every_substring_of_a_run_is_found(text, data):
    runs = re.findall(r"[^\W_]+", text.casefold())
    if not runs:
        assert index_tokens(text) == ""
        return
    run = data.draw(st.sampled_from(runs))
    start = data.draw(st.integers(0, len(run) - 1))
    end = data.draw(st.integers(start + 1, len(run)))
    assert _matches(index_tokens(text), run[start:end])


@given(st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x4E0F), min_size=2, max_size=12),
       st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x4E0F), min_size=2, max_size=6))
def test_a_phrase_match_is_a_real_substring(text, query):
    """No false positives: with a small alphabet, a bigram phrase matches only if the query is a substring."""
    assert _matches(index_tokens(text), query) == (query in text)
