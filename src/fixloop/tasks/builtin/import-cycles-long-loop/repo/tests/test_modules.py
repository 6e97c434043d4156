import pytest

from importgraph import ModuleFile, module_file


def test_module_names_of_files_and_packages():
    assert module_file("app/core/db.py") == ModuleFile("app/core/db.py", "app.core.db", False)
    assert module_file("app/core/__init__.py") == ModuleFile("app/core/__init__.py", "app.core", True)
    assert module_file("setup.py").name == "setup"


def test_paths_that_are_not_modules_are_rejected():
    for path in ("README.md", "/abs/mod.py", "my-app/mod.py", "__init__.py"):
        with pytest.raises(ValueError):
            module_file(path)
