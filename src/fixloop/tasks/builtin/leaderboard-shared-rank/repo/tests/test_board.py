from leaderboard import Leaderboard, parse_result, render_table

RESULTS = """\
ada 120 3 1:02:07
bob 150 4 1:10:00
cyd 120 3 0:58:30
dee 120 5 0:40:00
eve 90 2 0:30:00
"""


def board(text=RESULTS):
    b = Leaderboard()
    b.submit_lines(text.splitlines())
    return b


def ranks(b):
    return {s.result.player: s.rank for s in b.standings()}


def test_more_points_rank_higher():
    assert ranks(board())["bob"] == 1
    assert ranks(board())["eve"] == 5


def test_fewer_attempts_rank_higher_on_equal_points():
    r = ranks(board())
    assert r["ada"] < r["dee"]
    assert r["dee"] == 4


def test_tied_teams_share_a_rank_and_the_next_rank_is_skipped():
    assert [s.rank for s in board().standings()] == [1, 2, 2, 4, 5]


def test_tied_teams_are_listed_by_finish_time():
    assert [s.result.player for s in board().standings()] == ["bob", "cyd", "ada", "dee", "eve"]


def test_teams_tied_on_everything_are_listed_by_name():
    b = board("zed 10 1 0:10:00\namy 10 1 0:10:00\n")
    assert [s.result.player for s in b.standings()] == ["amy", "zed"]


def test_only_a_teams_best_result_counts():
    b = board()
    b.submit(parse_result("eve 160 6 1:20:00"))
    b.submit(parse_result("bob 100 1 0:20:00"))
    assert [s.result.player for s in b.standings()][:2] == ["eve", "bob"]
    assert len(b.standings()) == 5


def test_podium_includes_everyone_tied_for_third():
    b = board("uma 200 1 0:50:00\nvic 150 2 0:55:00\nwes 120 3 1:00:00\nxia 120 3 1:01:00\nyan 100 1 0:30:00\n")
    assert [s.result.player for s in b.podium()] == ["uma", "vic", "wes", "xia"]


def test_table_marks_shared_ranks():
    assert render_table(board().standings()) == (
        " #  Team  Points  Tries  Finished\n"
        " 1  bob      150      4   1:10:00\n"
        " 2  cyd      120      3   0:58:30\n"
        "=2  ada      120      3   1:02:07\n"
        " 4  dee      120      5   0:40:00\n"
        " 5  eve       90      2   0:30:00\n"
    )


def test_empty_board_has_only_the_header():
    assert render_table(Leaderboard().standings()) == "#  Team  Points  Tries  Finished\n"
