"""Read the import statements of one module."""

from __future__ import annotations

import ast
from dataclasses import dataclass


@dataclass(frozen=True)
class ImportRef:
    """`import target` (names empty) or `from target import names...`; `target` absolute."""

    target: str
    names: tuple[str, ...]
    line: int


def scan_imports(source: str, module: str, is_package: bool) -> list[ImportRef]:
    """Every import in `source`, the text of module `module`, with relative imports resolved.

    Imports anywhere in the module count (also inside functions), except those in the body
    of an `if TYPE_CHECKING:` (or `if typing.TYPE_CHECKING:`) block, which never run.
    A relative import starts from the module's package: the module itself when
    `is_package` is true (an `__init__.py`), otherwise the package containing the module;
    each dot after the first goes one package further up. Raises ValueError for a relative
    import that goes above the top-level package.
    """
    tree = ast.parse(source)
    skipped = {id(node) for node in _type_checking_only(tree)}
    refs: list[ImportRef] = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            refs += [ImportRef(alias.name, (), node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = _absolute(node.module, node.level, module, is_package)
            names = tuple(alias.name for alias in node.names)
            refs.append(ImportRef(target, names, node.lineno))
    return sorted(refs, key=lambda ref: ref.line)


def _absolute(target: str | None, level: int, module: str, is_package: bool) -> str:
    if level == 0:
        return target or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    climb = level - 1
    if climb >= len(package):
        raise ValueError(f"relative import in {module!r} goes above the top-level package")
    base = package[: len(package) - climb]
    return ".".join(base + ([target] if target else []))


def _type_checking_only(tree: ast.AST) -> list[ast.AST]:
    found: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                found += list(ast.walk(child))
    return found


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
