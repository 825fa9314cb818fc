"""Clear errors with documented exit codes, never a traceback; user text is printed as text, never markup."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from newstrace.cli import EXIT_INDEX, EXIT_INPUT, app

runner = CliRunner()
HOSTILE = "[/bold] [link=https://example.invalid]click[/link] [bold red]"


def run(*args: str, input: str | None = None):
    res = runner.invoke(app, list(args), input=input)
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert "Traceback" not in res.output
    return res


def test_index_pointing_at_a_file_or_at_proc(tmp_path, seed_paths):
    a_file = tmp_path / "plain.txt"
    a_file.write_text("not an index", encoding="utf-8")
    for command in (["index", "stats"], ["index", "verify"], ["index", "add", str(seed_paths[0])]):
        res = run(*command, "--index", str(a_file))
        assert res.exit_code == EXIT_INDEX and "is a file, not an index folder" in res.stderr
    res = run("index", "add", str(seed_paths[0]), "--index", "/proc/newstrace-index")
    assert res.exit_code == EXIT_INDEX and "cannot create the index folder" in res.stderr
    res = run("index", "stats", "--index", "/proc")
    assert res.exit_code == EXIT_INDEX and "no newstrace index" in res.stderr
    res = run("index", "stats", "--index", "")
    assert res.exit_code == EXIT_INDEX and "--index is empty" in res.stderr


def test_reading_an_empty_index_file_writes_nothing(tmp_path, seed_paths):
    (tmp_path / "ix").mkdir()
    empty = tmp_path / "ix" / "index.sqlite"
    empty.touch()
    for command in (["trace", str(seed_paths[1])], ["index", "stats"], ["index", "export"]):
        res = run(*command, "--index", str(tmp_path / "ix"))
        assert res.exit_code == EXIT_INDEX and "not a newstrace index" in res.stderr
    assert empty.stat().st_size == 0  # no schema written into it


def test_output_paths_are_checked_before_the_work(tmp_path, seed_paths):
    # the suspect does not exist either: the output path is refused first, before anything is read
    res = run("compare", str(seed_paths[0]), str(tmp_path / "missing.txt"), "--html", "/nope/x.html")
    assert res.exit_code == EXIT_INPUT and "/nope" in res.stderr and "missing.txt" not in res.stderr
    res = run("compare", str(seed_paths[0]), str(seed_paths[1]), "--html", str(tmp_path))
    assert res.exit_code == EXIT_INPUT and "is a folder" in res.stderr
    run("index", "add", str(seed_paths[0]), "--index", str(tmp_path / "ix"))
    res = run("index", "export", "--index", str(tmp_path / "ix"), "--out", "/nope/x")
    assert res.exit_code == EXIT_INPUT and "folder /nope does not exist" in res.stderr
    res = run("index", "export", "--index", str(tmp_path / "ix"), "--out", str(tmp_path / "out.jsonl"))
    assert res.exit_code == 0 and json.loads((tmp_path / "out.jsonl").read_text())["id"] == "seed_source.txt"


def test_empty_article_path_is_a_clear_error(tmp_path):
    res = run("trace", "", "--index", str(tmp_path / "ix"))
    assert res.exit_code == EXIT_INPUT and "article path is empty" in res.stderr


@pytest.mark.parametrize(
    "args", [["-h"], ["index", "-h"], ["index", "add", "-h"], ["trace", "-h"], ["compare", "-h"], ["eval", "-h"]]
)
def test_short_help_and_plain_flags(args):
    res = run(*args)
    assert res.exit_code == 0 and "Usage:" in res.stdout
    assert "<bool>" not in res.stdout  # flags are flags, not `--json <bool>`


def test_markup_in_file_names_and_texts_is_printed_as_text(tmp_path, seed_paths):
    folder = tmp_path / "in"
    folder.mkdir()
    named = folder / "[link=x]evil[bold].txt"  # a file name cannot hold the "/" of [/bold]
    named.write_text(seed_paths[0].read_text(encoding="utf-8") + "\n\n" + HOSTILE + "\n", encoding="utf-8")
    bad = folder / "[bold]bad.jsonl"
    bad.write_text(json.dumps({"id": "[/bold]", "text": ""}) + "\n", encoding="utf-8")
    index = str(tmp_path / "ix")
    res = run("index", "add", str(folder), "--index", index)
    assert res.exit_code == 1, res.output
    assert f"{bad}:1" in " ".join(res.stderr.split())  # the rejection, its file name intact
    res = run("index", "export", "--index", index)
    assert HOSTILE in res.stdout
    res = run("index", "remove", "[/bold]", "[link=x]gone", "--index", index)
    assert res.exit_code == 0 and "[/bold], [link=x]gone" in res.stdout
    res = run("compare", str(folder / "[bold]missing[link=x].txt"), str(seed_paths[1]))
    assert res.exit_code == EXIT_INPUT and "[bold]missing[link=x].txt" in res.stderr


def test_trace_table_is_wide_when_piped_and_ids_are_text(tmp_path, seed_paths):
    long_id = "[link=https://example.invalid][bold]a-source-id-long-enough-to-be-cut-at-eighty-columns[/bold][/link]"
    record = {"id": long_id, "text": seed_paths[0].read_text(encoding="utf-8"), "published": "2023-09-12"}
    data = json.dumps(record) + "\n"
    index = str(tmp_path / "ix")
    assert run("index", "add", "-", "--index", index, input=data).exit_code == 0
    res = run("trace", str(seed_paths[1]), "--index", index)
    assert res.exit_code == 0, res.output
    row = next(line for line in res.stdout.splitlines() if long_id in line)  # whole, on one line
    assert len(row) > 80 and any(verdict in row for verdict in ("copy", "light", "heavy"))


def test_compare_report_is_wide_when_piped(seed_paths):
    """Piped (CliRunner's stdout is no terminal), each aligned sentence stays whole on one line."""
    source, suspect = (str(p) for p in seed_paths)
    res = run("compare", source, suspect, "--encoder", "static")
    assert res.exit_code == 0, res.output
    doc = json.loads(run("compare", source, suspect, "--encoder", "static", "--json").stdout)
    text = seed_paths[1].read_text(encoding="utf-8")
    long_ones = {" ".join(text[a["suspect"][0] : a["suspect"][1]].split()) for a in doc["alignments"]}
    long_ones = {s for s in long_ones if 80 < len(s) <= 219}
    lines = res.stdout.splitlines()
    shown = [s for s in long_ones if any(s in line for line in lines)]
    assert len(shown) >= 5, "sentences longer than 80 columns are wrapped in piped output"
    assert "Direction" in res.stdout and max(len(line) for line in lines) > 80
