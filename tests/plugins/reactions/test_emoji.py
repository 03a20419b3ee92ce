"""What counts as one reaction's emoji, and the one spelling it is stored in."""

from __future__ import annotations

import pytest

from sanic_chat_reactions.schemas import canonical_emoji


@pytest.mark.parametrize(
    "emoji",
    [
        "👍",
        "👍🏽",  # with a skin tone
        "🇫🇷",  # a flag: two regional indicators
        "👨‍👩‍👧‍👦",  # a family: four people and three zero-width joiners
        "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",  # Scotland's tag flag
        "1️⃣",  # a keycap
        "❤️",
        ":party-parrot:",
        ":+1:",
        ":" + "a" * 32 + ":",
    ],
)
def test_one_emoji_or_a_shortcode_is_kept_as_it_is(emoji):
    assert canonical_emoji(emoji) == emoji


@pytest.mark.parametrize(("written", "stored"), [("❤", "❤️"), ("☺", "☺️"), ("©", "©️")])
def test_an_emoji_without_its_variation_selector_is_the_same_reaction(written, stored):
    assert canonical_emoji(written) == stored


@pytest.mark.parametrize(
    "value",
    [
        "",
        "a",
        "ok",
        "#",
        "👍👍",  # two graphemes
        "👍 ",
        " 👍",
        "👍a",
        "::",
        ":" + "a" * 33 + ":",  # a shortcode of 33 characters
        ":Party:",  # upper case
        ":party parrot:",
        ":party",
        "party:",
        ":😀:",
        ":party:\n",
        "\u200d",
        "👍" * 40,
    ],
)
def test_anything_else_is_refused(value):
    with pytest.raises(ValueError, match="one emoji"):
        canonical_emoji(value)
