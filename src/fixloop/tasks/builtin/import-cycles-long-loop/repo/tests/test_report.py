from importgraph import cycle_report


def test_report_without_cycles():
    files = {"lib/__init__.py": "from lib import core\n", "lib/core.py": "import json\n"}
    assert cycle_report(files) == "no import cycles\n"


def test_report_for_a_pair_through_a_package():
    files = {"lib/__init__.py": "from .core import run\n", "lib/core.py": "from lib import VERSION\n"}
    assert cycle_report(files) == "1 import cycle(s):\n  lib, lib.core\n    e.g. lib -> lib.core -> lib\n"


def test_report_for_a_loop_of_four_modules():
    files = {
        "game/__init__.py": "",
        "game/board.py": "from game.rules import legal_moves\n",
        "game/rules.py": "from .pieces import Piece\n",
        "game/pieces.py": "from game import render\n",
        "game/render.py": "import game.board\n",
    }
    assert cycle_report(files) == (
        "1 import cycle(s):\n"
        "  game.board, game.pieces, game.render, game.rules\n"
        "    e.g. game.board -> game.rules -> game.pieces -> game.render -> game.board\n"
    )
