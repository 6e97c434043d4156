"""Greedy word wrap and full justification for fixed-width text."""


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most `width` characters, breaking between words.

    A word longer than `width` gets a line of its own. Raises ValueError when `width` < 1.
    """
    if width < 1:
        raise ValueError("width must be at least 1")
    lines: list[str] = []
    current = ""
    for word in text.split():
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= width:
            current = current + " " + word
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def justify(line: str, width: int) -> str:
    """Spread the words of `line` over exactly `width` characters; extra spaces go left first."""
    words = line.split()
    if len(words) < 2:
        return line.ljust(width)
    gaps = len(words) - 1
    spaces = width - sum(len(word) for word in words)
    base, extra = divmod(spaces, gaps)
    parts = []
    for index in range(gaps):
        pad = base + 1 if index < extra else base
        parts.append(words[index] + " " * pad)
    parts.append(words[-1])
    return "".join(parts)


def fill(text: str, width: int) -> str:
    """Wrap `text` and justify every line but the last, which stays ragged."""
    lines = wrap(text, width)
    body = [justify(line, width) for line in lines[:-1]]
    return "\n".join(body + lines[-1:])
