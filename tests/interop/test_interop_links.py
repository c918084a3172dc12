"""Link syntaxes, navigation macros, setters and Twee header escapes."""

from __future__ import annotations

import pytest

from author_studio.domain.model import LinkKind
from author_studio.interop import links, twee
from author_studio.interop.draft import ImportReport


@pytest.mark.parametrize(
    ("inner", "label", "target", "setter"),
    [
        ("a", "a", "a", ""),
        ("a|b", "a", "b", ""),
        ("a->b", "a", "b", ""),
        ("b<-a", "a", "b", ""),
        # The rightmost "->" and the leftmost "<-" divide, as in the Twine 2 editor.
        ("go -> on->Room", "go -> on", "Room", ""),
        ("Room<-back<-again", "back<-again", "Room", ""),
        # "->" wins over "|", so a passage named "a|b" is linked with an arrow.
        ("label->a|b", "label", "a|b", ""),
        # With only pipes, the last one divides.
        ("x|y|z", "x|y", "z", ""),
        ("label|Room][$gold to 5", "label", "Room", "$gold to 5"),
        ("Room][$a to 1][$b to 2", "Room", "Room", "$a to 1][$b to 2"),
        # An empty target after a separator falls back to the next rule.
        ("a->", "a->", "a->", ""),
    ],
)
def test_split_link_cases(inner: str, label: str, target: str, setter: str) -> None:
    assert links.split_link(inner) == (label, target, setter)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[[Room]]", [("Room", "Room", LinkKind.LINK)]),
        ("[[[Go->Room]]]", [("Room", "Go", LinkKind.LINK)]),
        ("(if: $x)[[[Go->Room]]]", [("Room", "Go", LinkKind.LINK)]),
        ("[[a]] and [[b|c]]", [("a", "a", LinkKind.LINK), ("c", "b", LinkKind.LINK)]),
        ("[[not\nlinked]]", []),
        ('(go-to: "Hall")', [("Hall", "Hall", LinkKind.MACRO)]),
        ('(link-goto: "Run", "Hall")', [("Hall", "Run", LinkKind.MACRO)]),
        ('(link-goto: "Hall")', [("Hall", "Hall", LinkKind.MACRO)]),
        ('(click-goto: ?door, "Hall")', [("Hall", "Hall", LinkKind.MACRO)]),
        ('(display: "Map")', [("Map", "Map", LinkKind.MACRO)]),
        ('(link: "Knock")[(go-to: "Hall")]', [("Hall", "Knock", LinkKind.MACRO)]),
        ('<<goto "Hall">>', [("Hall", "Hall", LinkKind.MACRO)]),
        ("<<goto 'Hall'>>", [("Hall", "Hall", LinkKind.MACRO)]),
        ('<<link "Run" "Hall">>', [("Hall", "Run", LinkKind.MACRO)]),
        ('<<link "Run">><<goto "Hall">><</link>>', [("Hall", "Run", LinkKind.MACRO)]),
        ('<<button "Run" "Hall">>', [("Hall", "Run", LinkKind.MACRO)]),
        ('<<link "Only text">><</link>>', []),
        ('<<include "Map">>', [("Map", "Map", LinkKind.MACRO)]),
        ("<<link [[Run|Hall]]>>", [("Hall", "Run", LinkKind.MACRO)]),
        ("{link to: 'Hall', label: 'Run'}", [("Hall", "Run", LinkKind.MACRO)]),
        ("{embed passage: 'Map'}", [("Map", "Map", LinkKind.MACRO)]),
        (
            "{reveal link: 'Open', passage: 'Box'}",
            [("Box", "Open", LinkKind.MACRO)],
        ),
        ('<a data-passage="Hall">go</a>', [("Hall", "Hall", LinkKind.MACRO)]),
        ('<<goto "Say \\"hi\\"">>', [('Say "hi"', 'Say "hi"', LinkKind.MACRO)]),
    ],
)
def test_scan_passage_cases(text: str, expected: list) -> None:
    found = links.scan_passage(text).links
    assert [(f.target, f.label, f.kind) for f in found] == expected


def test_scan_marks_web_links_external() -> None:
    found = links.scan_passage("[[Docs->https://twinery.org/]] [[Room]]").links
    assert [f.external for f in found] == [True, False]


def test_scan_reports_computed_macro() -> None:
    scan = links.scan_passage("one\n<<goto $next>>\n(go-to: $there)")
    assert [u.line for u in scan.unfollowed] == [2, 3]
    assert scan.links == []


def test_scan_counts_lines_from_one() -> None:
    found = links.scan_passage("a\n\n[[Room]]").links
    assert found[0].line == 3


def test_scan_story_format_limits_macros() -> None:
    text = '(go-to: "A") <<goto "B">>'
    assert [f.target for f in links.scan_passage(text, "Harlowe").links] == ["A"]
    assert [f.target for f in links.scan_passage(text, "SugarCube").links] == ["B"]


@pytest.mark.parametrize(
    ("setter", "effects"),
    [
        ("$gold to 5", "gold = 5"),
        ("$cheating +=1", "cheating += 1"),
        ("$met -= 2", "met -= 2"),
        ('$name to "Ann"', 'name = "Ann"'),
        ("$try to 'true'", 'try = "true"'),
        ("$seen to true", "seen = true"),
        ("$a to 1; $b to -3", "a = 1; b = -3"),
        ('$q to "say \\"x\\""', 'q = "say \\"x\\""'),
    ],
)
def test_setter_translates(setter: str, effects: str) -> None:
    assignments = links.translate_setter(setter)
    assert assignments is not None
    assert links.effect_text(assignments) == effects


@pytest.mark.parametrize(
    "setter", ["$gold to $gold + 1", "setup.x = 1", "$a += true", "$f to random(1,6)"]
)
def test_setter_rejects_expressions(setter: str) -> None:
    assert links.translate_setter(setter) is None


@pytest.mark.parametrize(
    ("line", "name", "tags", "position"),
    [
        (":: Plain", "Plain", [], None),
        ("::NoSpace", "NoSpace", [], None),
        (":: Two words [a b]", "Two words", ["a", "b"], None),
        (r":: a\[1\] [t]", "a[1]", ["t"], None),
        (r":: curly \{x\}", "curly {x}", [], None),
        (r":: back\\slash", "back\\slash", [], None),
        (r":: odd \q", "odd q", [], None),
        (r":: tag esc [x\]y]", "tag esc", ["x]y"], None),
        (':: Meta {"position":"600,400","size":"100,200"}', "Meta", [], "600,400"),
        (':: Both [t] {"position":"1,2"}', "Both", ["t"], "1,2"),
        (":: Twee2 [t] <10,20>", "Twee2", ["t"], "10,20"),
        (":: a|b", "a|b", [], None),
    ],
)
def test_twee_header_cases(line, name, tags, position) -> None:
    report = ImportReport(source="x")
    passage = twee.parse_header(line, "x.twee", 1, report)
    assert passage.name == name
    assert passage.tags == tags
    assert passage.position == position
    assert report.warnings == []


def test_twee_header_bad_metadata_warns() -> None:
    report = ImportReport(source="x")
    passage = twee.parse_header(':: Room {"position": 6', "x.twee", 7, report)
    assert passage.name == "Room"
    assert passage.position is None
    assert report.warnings[0].line == 7


@pytest.mark.parametrize("name", ["a[1]", "{x}", "back\\slash", "plain", "a|b"])
def test_twee_escape_round_trips(name: str) -> None:
    report = ImportReport(source="x")
    line = ":: " + twee.escape(name) + " [t]"
    assert twee.parse_header(line, "x", 1, report).name == name


def test_twee1_headers_have_no_escapes(tmp_path) -> None:
    source = tmp_path / "old.tw"
    source.write_text(
        ":: Start\n[[C:\\dir]]\n\n:: C:\\dir [a b] <10,20>\nx\n\n:: Odd {name}\ny\n",
        encoding="utf-8",
    )
    report = ImportReport(source="x")
    story = twee.read_twee(source, report)
    assert [p.name for p in story.passages] == ["Start", "C:\\dir", "Odd {name}"]
    assert story.passages[1].tags == ["a", "b"]
    assert story.passages[1].position == "10,20"
    assert report.source_format == "Twee 1"
    assert [w.message[:21] for w in report.warnings] == ["no StoryTitle passage"]
