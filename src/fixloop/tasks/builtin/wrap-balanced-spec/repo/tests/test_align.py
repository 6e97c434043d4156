from wrapkit import align_line


def test_left_right_and_center():
    words = ["to", "be", "or"]
    assert align_line(words, 12) == "to be or"
    assert align_line(words, 12, "right") == "    to be or"
    assert align_line(words, 13, "center") == "  to be or"
    assert align_line(["unbreakable"], 5, "right") == "unbreakable"


def test_justify_gives_leftover_spaces_to_the_leftmost_gaps():
    assert align_line(["to", "be", "or", "not"], 16, "justify") == "to   be  or  not"
    assert align_line(["to", "be", "or", "not"], 16, "justify", last=True) == "to be or not"
    assert align_line(["alone"], 16, "justify") == "alone"
