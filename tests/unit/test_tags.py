"""The one tag-name rule, and reading the tag prompt's words."""

from __future__ import annotations

import pytest

from papertui.models import Paper, TriageState
from papertui.query import parse_query
from papertui.tags import normalise_tag, parse_tag_words


def make_paper() -> Paper:
    return Paper(id="0123456789ab", title="Untitled")


@pytest.mark.parametrize(
    "spelling",
    ["two-words", "Two-Words", "two words", "  Two   Words ", '"two words"', "#Two-Words"],
)
def test_every_spelling_of_a_tag_is_one_name(spelling: str) -> None:
    assert normalise_tag(spelling) == "two-words"


def test_tag_words_keep_quoted_names_together() -> None:
    assert parse_tag_words('ml +"two words" -"Old One", -todo ml') == (
        ["ml", "two-words"],
        ["old-one", "todo"],
    )
    assert parse_tag_words('- + "" ,,') == ([], [])


@pytest.mark.parametrize("query", ['tag:"two words"', "tag:Two-Words", 'tag:"Two   Words"'])
def test_tag_filter_uses_the_rule(query: str) -> None:
    tagged = TriageState(tags=(normalise_tag('"two words"'),))
    q = parse_query(query)
    assert q.matches(make_paper(), tagged, "")
    assert not q.matches(make_paper(), TriageState(tags=("two",)), "")
