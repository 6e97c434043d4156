"""Evaluate formulas."""

from __future__ import annotations

from collections.abc import Mapping

from calc.errors import CalcError
from calc.nodes import BinOp, Call, Neg, Node, Num, Var
from calc.parser import parse

Number = int | float

FUNCTIONS = {"abs": abs, "min": min, "max": max}


def evaluate(text: str, variables: Mapping[str, Number] | None = None) -> Number:
    """The value of the formula `text`, with `variables` giving the value of each name."""
    return evaluate_tree(parse(text), variables or {})


def evaluate_tree(node: Node, variables: Mapping[str, Number]) -> Number:
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Var):
        if node.name not in variables:
            raise CalcError(f"unknown variable {node.name!r}")
        return variables[node.name]
    if isinstance(node, Neg):
        return -evaluate_tree(node.operand, variables)
    if isinstance(node, Call):
        if node.name not in FUNCTIONS:
            raise CalcError(f"unknown function {node.name!r}")
        if not node.args:
            raise CalcError(f"{node.name}() needs at least one argument")
        return FUNCTIONS[node.name](*(evaluate_tree(arg, variables) for arg in node.args))
    left = evaluate_tree(node.left, variables)
    right = evaluate_tree(node.right, variables)
    return _apply(node.op, left, right)


def _apply(op: str, left: Number, right: Number) -> Number:
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if op == "^":
        return left**right
    if right == 0:
        raise CalcError(f"division by zero in {op!r}")
    if op == "/":
        return left / right
    if op == "//":
        return left // right
    return left % right
