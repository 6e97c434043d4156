from slugs import slugify, unique_slug


def test_words_are_joined_with_dashes():
    assert slugify("Release Notes 2024") == "release-notes-2024"


def test_accents_are_dropped():
    assert slugify("Caf\u00e9 au lait") == "cafe-au-lait"


def test_no_dash_at_either_end():
    assert slugify(" Padded ") == "padded"


def test_cut_slug_has_no_trailing_dash():
    assert slugify("hello world", max_length=6) == "hello"


def test_taken_slug_gets_a_counter():
    assert unique_slug("My Post", {"my-post", "my-post-2"}) == "my-post-3"


def test_punctuation_and_space_become_one_dash():
    assert slugify("Hello, World!") == "hello-world"


def test_runs_of_spaces_become_one_dash():
    assert slugify("tabs\tand   spaces") == "tabs-and-spaces"


def test_symbols_between_words():
    assert slugify("C++ & Rust: a comparison") == "c-rust-a-comparison"


def test_unique_slug_of_punctuated_title():
    assert unique_slug("Q&A: what's new", {"q-a-what-s-new"}) == "q-a-what-s-new-2"
