"""Each mutation operator: the bugs it plants, written into the original text and nowhere else."""

from fixloop.tasks.synthesis.operators import OPERATORS
from fixloop.tasks.synthesis.source import SourceModule


def mutants(operator: str, source: str) -> list[str]:
    """Every mutated version of `source` the operator makes, in the operator's order."""
    module = SourceModule(source)
    return [module.apply(site.edits) for site in OPERATORS[operator](module)]


def each_replacing(source: str, *changes: tuple[str, str]) -> list[str]:
    """`source` with one change at a time: only that text differs, comments and layout stay."""
    for old, _ in changes:
        assert source.count(old) == 1, old
    return [source.replace(old, new) for old, new in changes]


def test_off_by_one_moves_range_ends_indices_slices_and_boundaries():
    source = """\
def window(xs, n):  # the window's sum
    total = 0
    for i in range(1, n):
        total += xs[i]
    return  xs[:n - 1] if total < 10 else total
"""
    assert mutants("off-by-one", source) == each_replacing(
        source,
        ("range(1, n)", "range(1, n + 1)"),
        ("range(1, n)", "range(1, n - 1)"),
        ("xs[i]", "xs[i + 1]"),
        ("xs[i]", "xs[i - 1]"),
        ("xs[:n - 1]", "xs[:n]"),
        ("xs[:n - 1]", "xs[:n - 2]"),
        ("total < 10", "total <= 10"),
    )


def test_off_by_one_leaves_lookups_by_key_alone():
    assert mutants("off-by-one", "def get(table, key):\n    return table[key]\n") == []


def test_comparison_swap_inverts_each_comparison():
    source = "ok = a == b  # equal?\nmissing = c not in d\nunset = e is None\n"
    assert mutants("comparison-swap", source) == each_replacing(
        source, ("a == b", "a != b"), ("c not in d", "c in d"), ("e is None", "e is not None")
    )


def test_boolean_swap_changes_every_operator_of_a_chain():
    source = "ok = a and b and (c or d)  # all of them\n"
    assert mutants("boolean-swap", source) == [
        "ok = a or b or (c or d)  # all of them\n",
        "ok = a and b and (c and d)  # all of them\n",
    ]


def test_negate_condition_negates_if_while_ternary_and_filters():
    source = """\
if not (a and b):  # rarely
    pass
while x:
    pass
y = 1 if c else 2
z = [v for v in w if v > 0]
"""
    assert mutants("negate-condition", source) == each_replacing(
        source,
        ("not (a and b)", "a and b"),
        ("while x:", "while not x:"),
        ("if c else", "if not c else"),
        ("if v > 0", "if not v > 0"),
    )


def test_arithmetic_swap_swaps_operators_but_not_string_concatenation():
    source = "t = a + b * c  # sum\nt -= 1\ns = 'a' + name + 'b'\nr = [0] * n\n"
    assert mutants("arithmetic-swap", source) == each_replacing(
        source, ("a + b", "a - b"), ("b * c", "b / c"), ("t -= 1", "t += 1")
    )


def test_wrong_return_returns_another_local_a_parameter_or_none():
    source = """\
def total(a, b):
    # add them up
    result = a + b
    doubled = result * 2
    return result
"""
    assert mutants("wrong-return", source) == each_replacing(
        source,
        ("return result", "return doubled"),
        ("return result", "return a"),
        ("return result", "return b"),
        ("return result", "return None"),
    )


def test_remove_statement_deletes_whole_lines_inside_functions_only():
    source = """\
LIMIT = 3
TOTAL = 4


def f(a):
    x = 1  # first
    y = 2; z = 3
    log(x)
    return x
"""
    assert mutants("remove-statement", source) == each_replacing(
        source, ("    x = 1  # first\n", ""), ("    log(x)\n", "")
    )


def test_swap_arguments_swaps_neighbouring_positional_arguments():
    source = "v = f(a, b, *rest)\nw = pad(text, width, fill=' ')  # keep\n"
    assert mutants("swap-arguments", source) == each_replacing(
        source, ("pad(text, width,", "pad(width, text,")
    )


def test_wrong_constant_changes_numbers_booleans_and_compared_strings():
    source = "N = 10  # ten\nflag = True\nif mode == 'fast':\n    z = 0\nlabel = 'not compared'\n"
    assert mutants("wrong-constant", source) == each_replacing(
        source, ("10", "11"), ("True", "False"), ("'fast'", "'Fast'"), ("z = 0", "z = 1")
    )


def test_swap_mapping_swaps_neighbouring_values_of_a_dict():
    source = "RATES = {'a': 1, 'b': 2,  # per unit\n         'c': 2, **extra, 'd': 5}\n"
    assert mutants("swap-mapping", source) == [
        "RATES = {'a': 2, 'b': 1,  # per unit\n         'c': 2, **extra, 'd': 5}\n"
    ]


def test_operators_locate_code_after_non_ascii_text():
    source = "def greet(names, i):\n    return 'héllo ' + names[i - 1]  # ünïcode\n"
    assert mutants("off-by-one", source) == each_replacing(
        source, ("names[i - 1]", "names[i]"), ("names[i - 1]", "names[i - 2]")
    )


def test_operators_never_touch_code_inside_f_strings():
    source = "label = f'{count + 1} items'\n"
    assert all(mutants(name, source) == [] for name in OPERATORS)


def test_every_site_records_the_code_before_and_after():
    module = SourceModule("def f(a, b):\n    return a < b\n")
    [site] = OPERATORS["comparison-swap"](module)
    assert (site.line, site.original, site.mutated) == (2, "a < b", "a > b")
