"""Mutation operators: each lists every place in a module where it can plant one kind of bug.

An operator is a function `SourceModule -> Iterator[Site]`. It locates nodes with `ast` and
describes each bug as text edits on the original source, so the rest of the file (comments,
formatting) is untouched. Operators yield sites in source order and never check that the
result still parses; the synthesizer rejects those that do not.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import pairwise

from fixloop.tasks.synthesis.source import Edit, SourceModule


@dataclass(frozen=True)
class Site:
    """One bug an operator can plant: the edits, and the code around them before and after."""

    line: int
    edits: tuple[Edit, ...]
    original: str
    mutated: str


Operator = Callable[[SourceModule], Iterator[Site]]

_COMPARE_TOKENS: dict[type[ast.cmpop], str] = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
}
_BOUNDARY_SHIFT = {ast.Lt: "<=", ast.LtE: "<", ast.Gt: ">=", ast.GtE: ">"}
_COMPARE_SWAP = {
    ast.Eq: "!=",
    ast.NotEq: "==",
    ast.Lt: ">",
    ast.Gt: "<",
    ast.LtE: ">=",
    ast.GtE: "<=",
    ast.In: "not in",
    ast.NotIn: "in",
    ast.Is: "is not",
    ast.IsNot: "is",
}
_SwapTable = dict[type[ast.operator], tuple[str, str]]
"""Binary operator -> (as written, what it becomes)."""

_ARITHMETIC_SWAP: _SwapTable = {
    ast.Add: ("+", "-"),
    ast.Sub: ("-", "+"),
    ast.Mult: ("*", "/"),
    ast.Div: ("/", "*"),
    ast.FloorDiv: ("//", "/"),
    ast.Mod: ("%", "//"),
    ast.Pow: ("**", "*"),
}
_AUGMENTED_SWAP: _SwapTable = {op: (f"{old}=", f"{new}=") for op, (old, new) in _ARITHMETIC_SWAP.items()}
# Expressions that `+ 1` or `not` can follow or precede without parentheses.
_TIGHT = (ast.Name, ast.Attribute, ast.Call, ast.Subscript, ast.Constant, ast.List, ast.Tuple)
_ARITHMETIC_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)
_INTEGER_CALLS = frozenset({"len", "int", "round", "floor", "ceil", "abs"})
_NEW_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def off_by_one(module: SourceModule) -> Iterator[Site]:
    """`range(a, b)` -> `range(a, b ± 1)`, `x[i]` -> `x[i ± 1]`, slice bounds ± 1, `<` <-> `<=`, `>` <-> `>=`.

    Only integer-looking indices move: literals, arithmetic, `len(...)`-like calls, and names
    bound to such values or to a `range`/`enumerate` loop counter; never `d[key]`.
    """
    integer_names = _integer_names(module.tree)
    for node in module.nodes(ast.expr):
        if isinstance(node, ast.Call) and _is_range(node):
            stop = node.args[0] if len(node.args) == 1 else node.args[1]
            yield from _shifted_sites(module, node, stop)
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
            for bound in (node.slice.lower, node.slice.upper):
                if bound is not None:
                    yield from _shifted_sites(module, node, bound)
        elif isinstance(node, ast.Subscript) and _looks_integer(node.slice, integer_names):
            yield from _shifted_sites(module, node, node.slice)
        elif isinstance(node, ast.Compare):
            yield from _operator_sites(module, node, _BOUNDARY_SHIFT)


def comparison_swap(module: SourceModule) -> Iterator[Site]:
    """`==` <-> `!=`, `<` <-> `>`, `<=` <-> `>=`, `in` <-> `not in`, `is` <-> `is not`."""
    for node in module.nodes(ast.Compare):
        yield from _operator_sites(module, node, _COMPARE_SWAP)


def boolean_swap(module: SourceModule) -> Iterator[Site]:
    """`and` <-> `or`, every operator of the chain at once so the grouping stays the same."""
    for node in module.nodes(ast.BoolOp):
        old, new = ("and", "or") if isinstance(node.op, ast.And) else ("or", "and")
        spans = [module.operator_between(a, b, old) for a, b in pairwise(node.values)]
        if all(spans):
            yield _site(module, module.span(node), *(Edit(*span, new) for span in spans if span))


def negate_condition(module: SourceModule) -> Iterator[Site]:
    """`if c` -> `if not c` (and `not c` -> `c`), for if/elif, while, ternaries and comprehension filters."""
    tests: list[ast.expr] = []
    for node in ast.walk(module.tree):
        if isinstance(node, (ast.If, ast.While, ast.IfExp)):
            tests.append(node.test)
        elif isinstance(node, ast.comprehension):
            tests.extend(node.ifs)
    for test in module.in_order(tests):
        yield _replace(module, test, _negated(module, test))


def arithmetic_swap(module: SourceModule) -> Iterator[Site]:
    """`+` <-> `-`, `*` <-> `/`, `//` -> `/`, `%` -> `//`, `**` -> `*`, and the same for `+=` and kin.

    Leaves alone arithmetic on string, list or tuple literals (concatenation, repetition).
    """
    operations: list[tuple[ast.AST, ast.AST, ast.operator, ast.AST, _SwapTable]]
    operations = [(n, n.left, n.op, n.right, _ARITHMETIC_SWAP) for n in module.nodes(ast.BinOp)]
    operations += [(n, n.target, n.op, n.value, _AUGMENTED_SWAP) for n in module.nodes(ast.AugAssign)]
    for node, left, op, right, table in sorted(operations, key=lambda operation: module.span(operation[0])):
        if type(op) not in table or _is_sequence(left) or _is_sequence(right):
            continue
        old, new = table[type(op)]
        span = module.operator_between(left, right, old)
        if span is not None:
            yield _site(module, module.span(node), Edit(*span, new))


def wrong_return(module: SourceModule) -> Iterator[Site]:
    """`return x` -> `return y` for another local `y` of the function, a parameter, or None."""
    for function in module.nodes(ast.FunctionDef):
        own = list(_own_scope(function))
        if any(isinstance(node, (ast.Yield, ast.YieldFrom)) for node in own):
            continue
        arguments = function.args
        parameters = [
            arg.arg
            for arg in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)
            if arg.arg not in ("self", "cls")
        ]
        assigned = [
            node.id
            for node in module.in_order(n for n in own if isinstance(n, ast.Name))
            if isinstance(node.ctx, ast.Store) and node.id != "_"
        ]
        choices = list(dict.fromkeys([*assigned, *parameters, "None"]))
        for node in module.in_order(n for n in own if isinstance(n, ast.Return)):
            if node.value is None:
                continue
            returned = module.segment(node.value)
            for choice in choices:
                if choice != returned:
                    yield _site(module, module.span(node), Edit(*module.span(node.value), choice))


def remove_statement(module: SourceModule) -> Iterator[Site]:
    """Delete an assignment, augmented assignment or call statement from a function body of ≥ 2 statements.

    Only statements alone on their lines, inside functions: deleting module-level code
    mostly breaks the import, which no test can localise.
    """
    for function in module.nodes(ast.FunctionDef):
        for body in _statement_lists(function.body):
            if len(body) < 2:
                continue
            for statement in body:
                lines = _own_lines(module, statement)
                if _removable(statement) and lines is not None:
                    yield _site(module, lines, Edit(*lines, ""))


def swap_arguments(module: SourceModule) -> Iterator[Site]:
    """`f(a, b)` -> `f(b, a)`: two neighbouring positional arguments trade places."""
    for call in module.nodes(ast.Call):
        if any(isinstance(arg, ast.Starred) for arg in call.args):
            continue
        for first, second in pairwise(call.args):
            first_text, second_text = module.segment(first), module.segment(second)
            if first_text != second_text:
                yield _site(
                    module,
                    module.span(call),
                    Edit(*module.span(first), second_text),
                    Edit(*module.span(second), first_text),
                )


def wrong_constant(module: SourceModule) -> Iterator[Site]:
    """Numbers: 0 <-> 1, any other n -> n + 1; `True` <-> `False`; a string compared against gets a typo.

    The string typo flips the case of its first letter ('paid' -> 'Paid'), or adds a space
    when it has no letter; only plain one-line string literals without escapes change.
    """
    compared = _compared_strings(module.tree)
    for node in module.nodes(ast.Constant):
        replacement = _changed_constant(module, node, compared)
        if replacement is not None:
            yield _replace(module, node, replacement)


def swap_mapping(module: SourceModule) -> Iterator[Site]:
    """In a dict literal, two neighbouring entries trade values (`{a: 1, b: 2}` -> `{a: 2, b: 1}`).

    Trading two keys instead would map the same keys to the same values, only listed in
    another order, so the operator trades values. `**spread` entries stay where they are.
    """
    for node in module.nodes(ast.Dict):
        entries = list(zip(node.keys, node.values, strict=True))
        for (key, first), (other_key, second) in pairwise(entries):
            if key is None or other_key is None:
                continue
            first_text, second_text = module.segment(first), module.segment(second)
            if first_text != second_text:
                focus = (module.span(key)[0], module.span(second)[1])
                yield _site(
                    module,
                    focus,
                    Edit(*module.span(first), second_text),
                    Edit(*module.span(second), first_text),
                )


OPERATORS: dict[str, Operator] = {
    "off-by-one": off_by_one,
    "comparison-swap": comparison_swap,
    "boolean-swap": boolean_swap,
    "negate-condition": negate_condition,
    "arithmetic-swap": arithmetic_swap,
    "wrong-return": wrong_return,
    "remove-statement": remove_statement,
    "swap-arguments": swap_arguments,
    "wrong-constant": wrong_constant,
    "swap-mapping": swap_mapping,
}
"""Every operator by name, in the order the synthesizer takes turns between them."""


def _site(module: SourceModule, focus: tuple[int, int], *edits: Edit) -> Site:
    """A site whose original/mutated text is the code covering `focus` and every edit."""
    start = min(focus[0], *(edit.start for edit in edits))
    end = max(focus[1], *(edit.end for edit in edits))
    original = module.text[start:end]
    mutated = original
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        mutated = mutated[: edit.start - start] + edit.text + mutated[edit.end - start :]
    return Site(module.line_of(start), edits, original.strip(), mutated.strip())


def _replace(module: SourceModule, node: ast.AST, text: str) -> Site:
    return _site(module, module.span(node), Edit(*module.span(node), text))


def _operator_sites(
    module: SourceModule, node: ast.Compare, table: dict[type[ast.cmpop], str]
) -> Iterator[Site]:
    operands = [node.left, *node.comparators]
    for op, (left, right) in zip(node.ops, pairwise(operands), strict=True):
        if type(op) not in table:
            continue
        span = module.operator_between(left, right, _COMPARE_TOKENS[type(op)])
        if span is not None:
            yield _site(module, module.span(node), Edit(*span, table[type(op)]))


def _shifted_sites(module: SourceModule, focus: ast.AST, node: ast.expr) -> Iterator[Site]:
    for delta in (1, -1):
        yield _site(module, module.span(focus), Edit(*module.span(node), _shifted(module, node, delta)))


def _shifted(module: SourceModule, node: ast.expr, delta: int) -> str:
    """The text of `node` plus `delta`, folded into a trailing integer where there is one."""
    value = _integer_value(node)
    if value is not None:
        return str(value + delta)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
        constant = _integer_value(node.right)
        span = module.operator_between(node.left, node.right, "+" if isinstance(node.op, ast.Add) else "-")
        if constant is not None and span is not None:
            left = module.text[module.span(node)[0] : span[0]].rstrip()
            total = (constant if isinstance(node.op, ast.Add) else -constant) + delta
            if total == 0:
                return left
            return f"{left} + {total}" if total > 0 else f"{left} - {-total}"
    text = module.segment(node)
    arithmetic = isinstance(node, ast.BinOp) and isinstance(node.op, _ARITHMETIC_OPS)
    if not (isinstance(node, _TIGHT) or arithmetic):
        text = f"({text})"
    return f"{text} + {delta}" if delta > 0 else f"{text} - {-delta}"


def _integer_value(node: ast.AST) -> int | None:
    """The value of an integer literal such as `3` or `-1`, else None."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _integer_value(node.operand)
        return None if inner is None else -inner
    return None


def _is_range(call: ast.Call) -> bool:
    return (
        isinstance(call.func, ast.Name)
        and call.func.id == "range"
        and 1 <= len(call.args) <= 3
        and not call.keywords
        and not any(isinstance(arg, ast.Starred) for arg in call.args)
    )


def _call_name(node: ast.AST) -> str | None:
    if not isinstance(node, ast.Call):
        return None
    if isinstance(node.func, ast.Name):
        return node.func.id
    return node.func.attr if isinstance(node.func, ast.Attribute) else None


def _looks_integer(node: ast.AST, integer_names: set[str]) -> bool:
    """An expression that is almost surely an int: literal, arithmetic, len(...), a counter."""
    if _integer_value(node) is not None or _call_name(node) in _INTEGER_CALLS:
        return True
    if isinstance(node, ast.BinOp):
        return isinstance(node.op, _ARITHMETIC_OPS) and not isinstance(node.op, ast.Div)
    return isinstance(node, ast.Name) and node.id in integer_names


def _integer_names(tree: ast.AST) -> set[str]:
    """Names bound to a `range`/`enumerate` counter or to an integer-looking value."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.For, ast.comprehension)):
            target, source = node.target, _call_name(node.iter)
            if source == "enumerate" and isinstance(target, ast.Tuple) and target.elts:
                target = target.elts[0]
            if source in ("range", "enumerate") and isinstance(target, ast.Name):
                names.add(target.id)
        elif isinstance(node, ast.Assign) and _looks_integer(node.value, set()):
            names.update(target.id for target in node.targets if isinstance(target, ast.Name))
    return names


def _negated(module: SourceModule, test: ast.expr) -> str:
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = module.segment(test.operand)
        bare = isinstance(test.operand, (*_TIGHT, ast.Compare, ast.BoolOp, ast.BinOp))
        return inner if bare else f"({inner})"
    text = module.segment(test)
    loose = isinstance(test, (ast.BoolOp, ast.IfExp, ast.Lambda, ast.NamedExpr))
    return f"not ({text})" if loose else f"not {text}"


def _is_sequence(node: ast.AST) -> bool:
    """A string, list or tuple literal, or arithmetic on one (`name + " "`, `[0] * n`)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (str, bytes))
    if isinstance(node, ast.BinOp):
        return _is_sequence(node.left) or _is_sequence(node.right)
    return isinstance(node, (ast.JoinedStr, ast.List, ast.Tuple, *_COMPREHENSIONS))


def _own_scope(function: ast.FunctionDef) -> Iterator[ast.AST]:
    """Every node of the function's body that belongs to its scope, not to a nested one."""
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (*_NEW_SCOPES, *_COMPREHENSIONS)):
            stack.extend(ast.iter_child_nodes(node))


def _statement_lists(body: list[ast.stmt]) -> Iterator[list[ast.stmt]]:
    """`body` and every statement list nested in it, without entering nested functions or classes."""
    yield body
    for statement in body:
        if isinstance(statement, _NEW_SCOPES):
            continue
        for field in ("body", "orelse", "finalbody"):
            nested = getattr(statement, field, None)
            if isinstance(nested, list) and nested and isinstance(nested[0], ast.stmt):
                yield from _statement_lists(nested)
        for handler in getattr(statement, "handlers", []):
            yield from _statement_lists(handler.body)


def _removable(statement: ast.stmt) -> bool:
    if isinstance(statement, (ast.Assign, ast.AugAssign)):
        return True
    if isinstance(statement, ast.AnnAssign):
        return statement.value is not None
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)


def _own_lines(module: SourceModule, statement: ast.stmt) -> tuple[int, int] | None:
    """The span of the whole lines `statement` fills, or None when it shares a line with code."""
    start, end = module.span(statement)
    first, last = module.line_span(statement.lineno, statement.end_lineno or statement.lineno)
    before, after = module.text[first:start], module.text[end:last]
    if before.strip() or (after.strip() and not after.strip().startswith("#")):
        return None
    return first, last


def _compared_strings(tree: ast.AST) -> set[int]:
    """ids of the string literals a comparison tests against, directly or in a literal collection."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        for operand in (node.left, *node.comparators):
            members = operand.elts if isinstance(operand, (ast.Tuple, ast.List, ast.Set)) else [operand]
            found.update(id(member) for member in members if isinstance(member, ast.Constant))
    return found


def _changed_constant(module: SourceModule, node: ast.Constant, compared: set[int]) -> str | None:
    value = node.value
    if isinstance(value, bool):
        return str(not value)
    if isinstance(value, int):
        return {0: "1", 1: "0"}.get(value, str(value + 1))
    if isinstance(value, float):
        return {0.0: "1.0", 1.0: "0.0"}.get(value, repr(value + 1))
    if isinstance(value, str) and id(node) in compared:
        text = module.segment(node)
        quote = text[:1]
        if quote not in ("'", '"') or text != f"{quote}{value}{quote}" or "\\" in value or "\n" in value:
            return None
        return f"{quote}{_typo(value)}{quote}"
    return None


def _typo(text: str) -> str:
    for index, char in enumerate(text):
        if char.isalpha() and char.swapcase() != char:
            return text[:index] + char.swapcase() + text[index + 1 :]
    return text + " "
