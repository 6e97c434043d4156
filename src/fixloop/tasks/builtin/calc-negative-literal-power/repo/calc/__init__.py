"""A small calculator for spreadsheet-style formulas."""

from calc.errors import CalcError
from calc.evaluator import evaluate, evaluate_tree
from calc.parser import parse
from calc.printer import to_source
from calc.tokens import Token, tokenize

__all__ = ["CalcError", "Token", "evaluate", "evaluate_tree", "parse", "to_source", "tokenize"]
