"""Path statistics: counts, runtimes and choice points per path."""

from __future__ import annotations

import itertools

from author_studio.analysis import path_stats
from author_studio.domain.model import Audience, Variant, VariantStatus
from tests.builders import make_story


def diamond():
    # start -> a | b -> end; a is 30 s, b is 90 s, start and end 10 s each.
    return make_story(
        [
            ("start", {"duration_s": 10}),
            ("a", {"duration_s": 30}),
            ("b", {"duration_s": 90}),
            ("end", {"duration_s": 10}),
        ],
        [("start", "a"), ("start", "b"), ("a", "end"), ("b", "end")],
    )


def test_diamond_counts_and_runtimes() -> None:
    stats = path_stats(diamond())
    assert stats.total_paths == 2
    assert not stats.has_cycles
    assert stats.visit_bound is None
    assert stats.exact
    (ending,) = stats.endings
    assert ending.paths == 2
    assert ending.shortest_s == 50
    assert ending.longest_s == 110
    assert stats.choice_points_min == 1
    assert stats.choice_points_max == 1
    assert stats.choice_points_mean == 1


def test_parallel_choices_are_distinct_paths() -> None:
    story = make_story(["start", "end"], [("start", "end"), ("start", "end")])
    assert path_stats(story).total_paths == 2


def test_chain_of_diamonds_grows_exponentially() -> None:
    # 200 diamonds in a row: 2**200 paths, far beyond 64-bit integers.
    scenes = ["start"]
    choices = []
    previous = "start"
    for index in range(200):
        left, right, join = f"l{index}", f"r{index}", f"j{index}"
        scenes += [left, right, join]
        choices += [(previous, left), (previous, right), (left, join), (right, join)]
        previous = join
    scenes.append("end")
    choices.append((previous, "end"))
    stats = path_stats(make_story(scenes, choices))
    assert stats.total_paths == 2**200
    assert stats.choice_points_max == 200


def test_runtime_per_ending() -> None:
    story = make_story(
        [
            ("start", {"duration_s": 5}),
            ("end_short", {"duration_s": 1}),
            ("mid", {"duration_s": 100}),
            ("end_long", {"duration_s": 1}),
        ],
        [("start", "end_short"), ("start", "mid"), ("mid", "end_long")],
    )
    by_key = {e.key: e for e in path_stats(story).endings}
    assert by_key["end_short"].shortest_s == 6
    assert by_key["end_long"].longest_s == 106
    assert by_key["end_long"].paths == 1


def test_audience_variant_durations_are_used() -> None:
    story = diamond()
    story = make_story(
        [(s.key, {"duration_s": s.duration_s}) for s in story.scenes],
        [("start", "a"), ("start", "b"), ("a", "end"), ("b", "end")],
        audiences=[Audience("Kids", id=7)],
        variants=[
            Variant(3, 7, "short b", 20.0, status=VariantStatus.APPROVED),
            Variant(2, 7, "long a", 500.0, status=VariantStatus.REJECTED),
        ],
    )
    (ending,) = path_stats(story, audience_id=7).endings
    assert ending.shortest_s == 40
    assert ending.longest_s == 50
    (base,) = path_stats(story).endings
    assert base.longest_s == 110


def brute_force(story, bound: int) -> int:
    """Count bounded walks from the start to an ending by plain search."""
    start = story.start.id
    endings = {s.id for s in story.endings}
    count = 0

    def visit(node: int, visits: dict[int, int]) -> None:
        nonlocal count
        if node in endings:
            count += 1
            return
        for choice in story.choices_from(node):
            target = choice.target_id
            if visits.get(target, 0) < bound:
                visits[target] = visits.get(target, 0) + 1
                visit(target, visits)
                visits[target] -= 1

    visit(start, {start: 1})
    return count


def test_cycle_counts_match_brute_force() -> None:
    story = make_story(
        ["start", "hall", "cellar", "attic", "end_out", "end_caught"],
        [
            ("start", "hall"),
            ("hall", "cellar"),
            ("hall", "attic"),
            ("cellar", "hall"),
            ("attic", "hall"),
            ("attic", "cellar"),
            ("cellar", "end_out"),
            ("attic", "end_caught"),
            ("hall", "end_out"),
        ],
    )
    for bound in (1, 2, 3):
        stats = path_stats(story, visit_bound=bound)
        assert stats.has_cycles
        assert stats.visit_bound == bound
        assert stats.exact
        assert stats.total_paths == brute_force(story, bound), bound


def test_cycle_runtime_grows_with_bound() -> None:
    story = make_story(
        [
            ("start", {"duration_s": 1}),
            ("loop", {"duration_s": 10}),
            ("end", {"duration_s": 1}),
        ],
        [("start", "loop"), ("loop", "loop"), ("loop", "end")],
    )
    one = path_stats(story, visit_bound=1).endings[0]
    three = path_stats(story, visit_bound=3).endings[0]
    assert one.paths == 1
    assert one.longest_s == 12
    assert three.paths == 3
    assert three.longest_s == 32
    assert three.shortest_s == 12


def test_work_limit_reports_lower_bound() -> None:
    names = [f"n{i}" for i in range(8)]
    choices = [(a, b) for a, b in itertools.permutations(names, 2)]
    choices += [("start", "n0"), ("n7", "end")]
    story = make_story(["start", *names, "end"], choices)
    stats = path_stats(story, visit_bound=2, max_work=1000)
    assert not stats.exact
    assert "lower bounds" in stats.notes[0]


def test_mean_choice_points() -> None:
    # Paths: start-end (1 choice point) and start-x-end_b or start-x-end_c (2).
    story = make_story(
        ["start", "x", "end", "end_b", "end_c"],
        [("start", "end"), ("start", "x"), ("x", "end_b"), ("x", "end_c")],
    )
    stats = path_stats(story)
    assert stats.total_paths == 3
    assert stats.choice_points_min == 1
    assert stats.choice_points_max == 2
    assert abs(stats.choice_points_mean - 5 / 3) < 1e-12


def test_impossible_choices_are_not_paths() -> None:
    from author_studio.domain.model import Variable, VariableType

    story = make_story(
        ["start", "end_a", "end_b"],
        [
            ("start", "end_a"),
            ("start", "end_b", {"condition": "trust < 0"}),
            ("start", "end_b", {"condition": "trust ="}),
        ],
        variables=[Variable("trust", VariableType.INT, 0)],
    )
    stats = path_stats(story)
    assert stats.total_paths == 1
    assert [e.paths for e in stats.endings] == [1, 0]
    assert "2 choice(s)" in stats.notes[0]
