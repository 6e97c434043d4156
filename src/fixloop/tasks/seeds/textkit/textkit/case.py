"""Convert identifiers between snake_case and camelCase."""


def to_snake(name: str) -> str:
    """'parseHttpRequest' -> 'parse_http_request'; an existing '_' is kept, never doubled."""
    out: list[str] = []
    for index, char in enumerate(name):
        if char.isupper() and index > 0 and name[index - 1] != "_":
            out.append("_")
        out.append(char.lower())
    return "".join(out)


def to_camel(name: str, upper_first: bool = False) -> str:
    """'parse_http_request' -> 'parseHttpRequest' ('ParseHttpRequest' with `upper_first`)."""
    parts = [part for part in name.split("_") if part]
    if not parts:
        return ""
    head = parts[0].capitalize() if upper_first else parts[0].lower()
    return head + "".join(part.capitalize() for part in parts[1:])


def is_snake(name: str) -> bool:
    """True for a non-empty lower-case name without leading or doubled underscores."""
    if not name or name.startswith("_"):
        return False
    return name == name.lower() and "__" not in name
