from textkit.counts import longest_word, reading_time, top_words, word_counts, words


def test_words_are_lower_cased_and_keep_apostrophes():
    assert words("Don't STOP, believing!") == ["don't", "stop", "believing"]


def test_word_counts_skip_stopwords():
    assert word_counts("the cat and the hat") == {"cat": 1, "hat": 1}


def test_word_counts_can_keep_stopwords():
    assert word_counts("the cat and the hat", skip_stopwords=False) == {
        "the": 2,
        "cat": 1,
        "and": 1,
        "hat": 1,
    }


def test_top_words_orders_by_frequency():
    assert top_words("y x y z y x", 2) == ["y", "x"]


def test_top_words_breaks_ties_alphabetically():
    assert top_words("pear fig apple fig pear apple", 3) == ["apple", "fig", "pear"]


def test_reading_time_rounds_up_to_whole_minutes():
    assert reading_time("word " * 201) == 2


def test_reading_time_of_exactly_one_minute():
    assert reading_time("word " * 200) == 1


def test_reading_time_at_a_custom_speed():
    assert reading_time("word " * 10, words_per_minute=3) == 4


def test_reading_time_of_text_without_words_is_zero():
    assert reading_time("... !!!") == 0


def test_longest_word_prefers_the_first_of_equal_length():
    assert longest_word("cat bird dove emu") == "bird"
