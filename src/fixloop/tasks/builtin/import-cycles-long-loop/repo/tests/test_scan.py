import pytest

from importgraph import ImportRef, scan_imports


def test_absolute_imports_anywhere_in_the_module():
    source = "import os, app.util\nfrom app.core import db as database\n\ndef f():\n    import app.late\n"
    assert scan_imports(source, "app.main", is_package=False) == [
        ImportRef("os", (), 1),
        ImportRef("app.util", (), 1),
        ImportRef("app.core", ("db",), 2),
        ImportRef("app.late", (), 5),
    ]


def test_relative_imports_start_from_the_right_package():
    source = "from . import a\nfrom .b import c\nfrom .. import d\n"
    assert [ref.target for ref in scan_imports(source, "app.core.db", is_package=False)] == [
        "app.core",
        "app.core.b",
        "app",
    ]
    assert [ref.target for ref in scan_imports(source, "app.core", is_package=True)] == [
        "app.core",
        "app.core.b",
        "app",
    ]
    with pytest.raises(ValueError):
        scan_imports("from ... import x\n", "app.core.db", is_package=False)


def test_type_checking_imports_are_ignored():
    source = (
        "import typing\nfrom typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from app.models import User\n"
        "if typing.TYPE_CHECKING:\n    import app.views\nelse:\n    import app.fallback\n"
    )
    targets = [ref.target for ref in scan_imports(source, "app.api", is_package=False)]
    assert targets == ["typing", "typing", "app.fallback"]
