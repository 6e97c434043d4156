"""parse_python: ast.parse that many threads may call at once."""

import ast
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from fixloop.tasks.python_parse import parse_python

SOURCE = (Path(__file__).parents[2] / "src/fixloop/env/debug_env.py").read_text()


def test_it_gives_the_tree_ast_parse_gives():
    assert ast.dump(parse_python(SOURCE)) == ast.dump(ast.parse(SOURCE))


def test_a_syntax_error_names_the_file():
    with pytest.raises(SyntaxError) as raised:
        parse_python("def broken(:\n", filename="pkg/mod.py")
    assert raised.value.filename == "pkg/mod.py"


def test_many_threads_parsing_at_once_all_get_their_tree():
    with ThreadPoolExecutor(max_workers=32) as pool:
        trees = list(pool.map(lambda _: parse_python(SOURCE), range(64)))
    assert {len(tree.body) for tree in trees} == {len(ast.parse(SOURCE).body)}
