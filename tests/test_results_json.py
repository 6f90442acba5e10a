"""results.json's layout: valid JSON, one top-level key per line, one element of a top-level list per line."""

import json

from govaudit.reports.writers.json import JsonWriter, dumps


def test_results_json_round_trips_with_one_link_per_line(tmp_path):
    doc = {
        "schema": "govaudit/results@2",
        "run": {"id": 3, "site": "機關", "stats": {"pages": 2}},
        "links": [{"url": "http://127.0.0.1/a\nb", "status": "broken", "sources": [{"text": "「下載」\u2028"}]},
                  {"url": "http://127.0.0.1/c", "status": "ok", "sources": []}],
        "checks": [],
        "page_titles": {"http://127.0.0.1/": "首頁"},
    }
    text = dumps(doc)
    assert json.loads(text) == doc
    lines = text.splitlines()
    assert lines[0] == "{" and lines[-1] == "}"
    link_lines = [line for line in lines if line.lstrip().startswith('{"url"')]
    assert len(link_lines) == 2  # a newline inside a value stays escaped: one link, one line
    assert "機關" in text  # not \\u-escaped: readable, and smaller
    path = JsonWriter().write(doc, tmp_path)
    assert json.loads(path.read_text(encoding="utf-8")) == doc
