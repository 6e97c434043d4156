"""The output buffer keeps the head and tail of any stream within its budget."""

from __future__ import annotations

from fixloop.sandbox.output_capture import HeadTailBuffer


def test_output_within_the_budget_is_kept_whole() -> None:
    buffer = HeadTailBuffer(100)
    buffer.feed(b"hello ")
    buffer.feed(b"world")

    assert buffer.text() == "hello world"
    assert not buffer.truncated


def test_output_over_the_budget_keeps_head_and_tail_with_a_marker() -> None:
    buffer = HeadTailBuffer(10)
    for chunk in (b"HEAD", b"-", b"middle" * 1000, b"xTAIL"):
        buffer.feed(chunk)

    head, marker, tail = buffer.text().split("\n")
    assert head == "HEAD-"
    assert tail == "xTAIL"
    assert marker == "[... 6000 bytes of output truncated ...]"
    assert buffer.truncated


def test_a_cut_inside_a_multibyte_character_does_not_raise() -> None:
    buffer = HeadTailBuffer(10)
    buffer.feed("é".encode() * 100)

    assert "bytes of output truncated" in buffer.text()
