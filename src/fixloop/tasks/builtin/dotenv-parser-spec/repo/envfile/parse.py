"""Read `.env` files. The format is specified in SPEC.md at the repository root."""

from __future__ import annotations


def parse_dotenv(text: str) -> dict[str, str]:
    """Parse the text of a `.env` file into {name: value}, following SPEC.md.

    Raises DotenvError for lines that break the format.
    """
    raise NotImplementedError("parse_dotenv is not written yet; see SPEC.md")
