"""Search tokenisation that finds any substring of two or more characters.

Chinese has no spaces, so word tokenisers miss "便利" inside "王记便利店". We index
overlapping character bigrams of each alphanumeric run instead; a query becomes
the phrase of its own bigrams, so an FTS phrase match is exactly a substring
match (consecutive bigrams = consecutive characters). The last character of
each run is also indexed alone, so a one-character query (a prefix search over
the tokens) finds a character wherever it stands.
"""

from __future__ import annotations

import re

_RUN_RE = re.compile(r"[^\W_]+", re.UNICODE)


def _runs(text: str) -> list[str]:
    return _RUN_RE.findall(text.casefold())


def index_tokens(*texts: str | None) -> str:
    """The space-separated bigram document for the given field values."""
    out: list[str] = []
    for text in texts:
        if not text:
            continue
        for run in _runs(text):
            out.extend(run[i:i + 2] for i in range(len(run) - 1))
            out.append(run[-1])
    return " ".join(out)


def fts_query(user_query: str) -> str | None:
    """An FTS5 MATCH expression for what the user typed, or None if nothing searchable.

    Each alphanumeric run of two or more characters must occur as a substring
    (phrase of its bigrams); runs are ANDed. A lone character matches as a
    prefix of any token, i.e. anywhere.
    """
    parts: list[str] = []
    for run in _runs(user_query):
        if len(run) == 1:
            parts.append(f'"{run}"*')
        else:
            grams = " ".join(run[i:i + 2] for i in range(len(run) - 1))
            parts.append(f'"{grams}"')
    return " AND ".join(parts) if parts else None
