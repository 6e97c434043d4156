import pytest

from wordfreq import count_words, normalize_word, top_words


def test_counts_plain_words():
    assert count_words("red blue red") == {"red": 2, "blue": 1}


def test_empty_text_has_no_words():
    assert count_words("  \n ") == {}


def test_inner_apostrophe_is_kept():
    assert normalize_word("don't") == "don't"


def test_ties_are_alphabetical():
    assert top_words("pear fig apple pear apple", 2) == [("apple", 2), ("pear", 2)]


def test_n_must_be_positive():
    with pytest.raises(ValueError):
        top_words("a b c", 0)


def test_normalize_strips_quotes_and_case():
    assert normalize_word("\u201cHello!\u201d") == "hello"


def test_counting_ignores_case():
    assert count_words("The cat saw the other cat. THE END") == {
        "the": 3,
        "cat": 2,
        "saw": 1,
        "other": 1,
        "end": 1,
    }


def test_punctuation_only_tokens_are_skipped():
    assert count_words("wait -- what?") == {"wait": 1, "what": 1}


def test_top_words_merge_spellings():
    assert top_words("Data, data and DATA; more data.", 1) == [("data", 4)]
