"""Split formula text into tokens.

Token kinds:

- NUMBER: digits with an optional fractional part (`12`, `0.5`, `.5`, `3.`);
- NAME: a variable or function name (`rate`, `x1`, `max`);
- OP: one of `+ - * / // % ^`;
- LPAREN, RPAREN, COMMA;
- END: always the last token, at the end of the text.

Numbers are unsigned. A `-` is always an OP token of its own, also in front of a digit,
so that the parser alone decides whether it is a subtraction or a negation (see
calc/grammar.py for how tightly negation binds).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from calc.errors import CalcError

NUMBER = "NUMBER"
NAME = "NAME"
OP = "OP"
LPAREN = "LPAREN"
RPAREN = "RPAREN"
COMMA = "COMMA"
END = "END"

_NUMBER = re.compile(r"\d+(?:\.\d*)?|\.\d+")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPERATORS = ("//", "+", "-", "*", "/", "%", "^")
_PUNCTUATION = {"(": LPAREN, ")": RPAREN, ",": COMMA}
_OPERAND_ENDS = (NUMBER, NAME, RPAREN)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    pos: int


def tokenize(text: str) -> list[Token]:
    """The tokens of `text`, ending with an END token. Raises CalcError on a stray character."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char.isspace():
            pos += 1
            continue
        number = _NUMBER.match(text, pos)
        if number is None and char == "-" and _expects_operand(tokens):
            # A minus where an operand must start is the sign of a literal: read it as one.
            number = _NUMBER.match(text, pos + 1)
            if number is not None:
                tokens.append(Token(NUMBER, text[pos : number.end()], pos))
                pos = number.end()
                continue
        if number is not None:
            tokens.append(Token(NUMBER, number.group(), pos))
            pos = number.end()
            continue
        name = _NAME.match(text, pos)
        if name is not None:
            tokens.append(Token(NAME, name.group(), pos))
            pos = name.end()
            continue
        if char in _PUNCTUATION:
            tokens.append(Token(_PUNCTUATION[char], char, pos))
            pos += 1
            continue
        operator = next((op for op in _OPERATORS if text.startswith(op, pos)), None)
        if operator is None:
            raise CalcError(f"unexpected character {char!r}", pos)
        tokens.append(Token(OP, operator, pos))
        pos += len(operator)
    tokens.append(Token(END, "", len(text)))
    return tokens


def _expects_operand(tokens: list[Token]) -> bool:
    return not tokens or tokens[-1].kind not in _OPERAND_ENDS
