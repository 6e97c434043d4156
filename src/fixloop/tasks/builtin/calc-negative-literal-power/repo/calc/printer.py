"""Print a syntax tree back as a fully parenthesised formula, to show how it was read."""

from __future__ import annotations

from calc.nodes import BinOp, Call, Neg, Node, Num, Var


def to_source(node: Node) -> str:
    """`node` as formula text with every operation in parentheses: `(1 + (2 * x))`."""
    if isinstance(node, Num):
        return repr(node.value)
    if isinstance(node, Var):
        return node.name
    if isinstance(node, Neg):
        return f"(-{to_source(node.operand)})"
    if isinstance(node, Call):
        return f"{node.name}({', '.join(to_source(arg) for arg in node.args)})"
    assert isinstance(node, BinOp)
    return f"({to_source(node.left)} {node.op} {to_source(node.right)})"
