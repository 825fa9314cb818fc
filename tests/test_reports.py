"""The HTML and terminal reports on real text, and on real text made hostile."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import pytest
from rich.console import Console

from newstrace.compare import compare
from newstrace.report.html import render_html
from newstrace.report.terminal import render_comparison

HOSTILE_SOURCE = "<script>alert(1)</script> [/bold] "
HOSTILE_SUSPECT = 'The [link=https://evil.example]ministry[/link] said "><img src=x onerror=alert(2)> [bold]nothing[/].'


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.open_marks = 0

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self.open_marks += tag == "mark"

    def handle_endtag(self, tag):
        self.open_marks -= tag == "mark"


@pytest.fixture(scope="module")
def hostile(seed_paths):
    src = seed_paths[0].read_text(encoding="utf-8")
    sus = seed_paths[1].read_text(encoding="utf-8")
    src = src.replace("Mr Kim left Pyongyang", HOSTILE_SOURCE + "Mr Kim left Pyongyang", 1)
    sus = sus.replace("\n\nKim commenced", "\n\n" + HOSTILE_SUSPECT + "\n\nKim commenced", 1)
    return compare(src, sus)


def test_html_escapes_document_text(hostile):
    page = render_html(hostile, "a<b>.txt", "[bold]x.txt")
    assert hostile.derived and hostile.findings
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img" not in page and "&lt;img src=x onerror=alert(2)&gt;" in page
    parser = _Tags()
    parser.feed(page)
    assert not [t for t, _ in parser.tags if t == "img"]
    assert [t for t, _ in parser.tags].count("script") == 2  # the page's own data and code
    assert parser.open_marks == 0


def test_html_lists_findings_and_marks_both_sides(seed_comparison):
    page = render_html(seed_comparison)
    parser = _Tags()
    parser.feed(page)
    items = [a for t, a in parser.tags if t == "li"]
    assert len(items) == len(seed_comparison.findings) > 0
    marked = {(a.get("data-f") or "") for t, a in parser.tags if t == "mark"}
    ids = {f for m in marked for f in m.split()}
    for n, f in enumerate(seed_comparison.findings, 1):
        assert f"f{n}" in ids, f.detail  # every finding is marked somewhere, with its number
    # dropped content lives on the source side only, and is marked there
    source_side = page[page.index('id="source"') : page.index('id="suspect"')]
    dropped = [n for n, f in enumerate(seed_comparison.findings, 1) if f.type == "dropped_content"]
    assert dropped and all(re.search(rf'data-f="[^"]*\bf{n}\b', source_side) for n in dropped)
    assert f"[{dropped[0]}]</sup>" in source_side
    # a sentence the findings call unsupported is not painted as aligned by a pair only coverage counts
    suspect_side = page[page.index('id="suspect"') :]
    mark = re.search(r'<mark class="([^"]*)"[^>]*>South Korea’s Defence Ministry', suspect_side)
    assert mark and mark.group(1).split() == ["finding", "critical", "unaligned"]
    d = seed_comparison.direction
    assert f"the source came first, by the text evidence ({d.confidence:.0%} confident); basis: {d.basis}" in page


def _terminal_text(result) -> str:
    console = Console(file=io.StringIO(), width=240, record=True, color_system=None)
    console.print(render_comparison(result, max_rows=200))
    return console.export_text()


def test_terminal_prints_markup_as_text(hostile):
    out = _terminal_text(hostile)
    assert "[/bold]" in out
    assert "[link=https://evil.example]" in out and "[/link]" in out


def test_terminal_shows_direction_and_findings(seed_comparison):
    out = _terminal_text(seed_comparison)
    assert f"the source came first, by the text evidence ({seed_comparison.direction.confidence:.0%}" in out
    assert "Japan’s news agency" in out
