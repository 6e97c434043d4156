from importgraph import build_graph


def test_edges_lead_only_to_modules_of_the_code_base():
    files = {
        "app/__init__.py": "",
        "app/main.py": "import os\nimport app.core.db.engine\nfrom app.core import db, helper\n",
        "app/core/__init__.py": "def helper(): pass\n",
        "app/core/db.py": "from . import db\nimport requests\n",
        "README.md": "import app.main\n",
    }
    assert build_graph(files) == {
        "app": set(),
        "app.main": {"app.core.db", "app.core"},
        "app.core": set(),
        "app.core.db": {"app.core.db"},
    }
