from textkit.slug import initials, slugify, truncate


def test_slugify_joins_lower_case_words_with_dashes():
    assert slugify("Hello World") == "hello-world"


def test_slugify_drops_punctuation():
    assert slugify("What's new, in 2024?") == "what-s-new-in-2024"


def test_slugify_spells_out_ampersand_and_plus():
    assert slugify("Salt & Pepper + Oil") == "salt-and-pepper-plus-oil"


def test_slugify_spells_out_at_and_percent():
    assert slugify("50% off @ home") == "50-percent-off-at-home"


def test_slugify_stops_before_a_word_that_does_not_fit():
    assert slugify("one two three four", max_length=13) == "one-two-three"
    assert slugify("one two three four", max_length=12) == "one-two"


def test_slugify_of_only_symbols_is_empty():
    assert slugify("!!! ???") == ""


def test_truncate_keeps_text_that_fits():
    assert truncate("short", 5) == "short"


def test_truncate_ends_long_text_with_an_ellipsis():
    assert truncate("The quick brown fox", 12) == "The quick..."


def test_truncate_trims_the_space_before_the_ellipsis():
    assert truncate("abc def ghi", 7) == "abc..."


def test_truncate_to_less_than_the_ellipsis_cuts_the_ellipsis():
    assert truncate("abcdef", 2) == ".."


def test_initials_of_a_full_name():
    assert initials("ada king lovelace") == "AKL"


def test_initials_stop_at_the_limit_and_skip_non_letters():
    assert initials("grace 2 brewster murray hopper", limit=2) == "GB"
