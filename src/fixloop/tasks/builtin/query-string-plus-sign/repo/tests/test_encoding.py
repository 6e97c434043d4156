from urlkit.encoding import percent_decode, percent_encode


def test_unreserved_characters_are_left_alone():
    assert percent_encode("Report-2024_v1.2~final") == "Report-2024_v1.2~final"


def test_non_ascii_text_is_encoded_as_utf8():
    assert percent_encode("café") == "caf%C3%A9"


def test_decode_reverses_escapes_and_keeps_stray_percent():
    assert percent_decode("caf%C3%A9%20100%") == "café 100%"
