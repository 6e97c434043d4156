from depsolve import parse_constraint, parse_version


def allowed(constraint, *versions):
    parsed = parse_constraint(constraint)
    return [text for text in versions if parsed.allows(parse_version(text))]


def test_comparison_clauses_combine_with_commas():
    assert allowed(">=1.2, <2, !=1.4.0", "1.1.9", "1.2.0", "1.4.0", "1.9.9", "2.0.0") == [
        "1.2.0",
        "1.9.9",
    ]
    assert allowed("1.4.2", "1.4.1", "1.4.2", "1.4.3") == ["1.4.2"]
    assert allowed("*", "0.0.1", "9.9.9") == ["0.0.1", "9.9.9"]


def test_tilde_allows_patch_releases():
    assert allowed("~1.4.2", "1.4.1", "1.4.2", "1.4.9", "1.5.0") == ["1.4.2", "1.4.9"]
    assert allowed("~0.3", "0.2.9", "0.3.0", "0.3.7", "0.4.0") == ["0.3.0", "0.3.7"]
    assert allowed("~1", "0.9.0", "1.0.0", "1.8.3", "2.0.0") == ["1.0.0", "1.8.3"]


def test_caret_allows_compatible_releases_from_one_up():
    assert allowed("^1.4.2", "1.4.1", "1.4.2", "1.9.0", "2.0.0") == ["1.4.2", "1.9.0"]
    assert allowed("^1.4", "1.3.9", "1.4.0", "1.99.9", "2.0.0") == ["1.4.0", "1.99.9"]
    assert allowed("^2", "1.9.9", "2.0.0", "2.7.1", "3.0.0") == ["2.0.0", "2.7.1"]
