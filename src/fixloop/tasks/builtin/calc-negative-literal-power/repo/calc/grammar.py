"""Operator precedence of the formula language.

From loosest to tightest:

1. `+` and `-` (binary), left-associative: `8 - 3 - 2` is `(8 - 3) - 2`.
2. `*`, `/`, `//` and `%`, left-associative. `/` is true division, `//` floors and `%`
   takes the sign of the divisor, as in Python: `-7 % 3` is 2.
3. Negation (unary `-`): `-a * b` is `(-a) * b` and `-7 % 3` is `(-7) % 3`.
4. `^` (power), right-associative: `2 ^ 3 ^ 2` is `2 ^ (3 ^ 2)`. Power binds tighter than
   a negation on its left, so `-2 ^ 2` is `-(2 ^ 2)` = -4, the same as `-x ^ 2` with
   x = 2. A negation on its right is simply its exponent: `2 ^ -1` is 0.5.

This holds for every operand: a literal, a variable, a call or a parenthesised formula.

Binding powers below drive the Pratt parser in calc/parser.py: an infix operator continues
the expression being parsed while its left binding power is greater than the minimum the
caller asked for, and parses its right operand with its right binding power.
"""

from __future__ import annotations

INFIX: dict[str, tuple[int, int]] = {
    "+": (10, 10),
    "-": (10, 10),
    "*": (20, 20),
    "/": (20, 20),
    "//": (20, 20),
    "%": (20, 20),
    "^": (30, 29),
}
"""operator -> (left binding power, right binding power)."""

PREFIX_MINUS = 25
"""The binding power a negation parses its operand with: below `^`, above `*`."""
