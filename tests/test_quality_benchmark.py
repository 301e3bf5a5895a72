"""benchmarks/quality.py: the figures it computes, and the sealed split's texts never printed.

Uses labelled lines written here and a corpus folder made in tmp_path, never the project's corpus.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

_SPEC = importlib.util.spec_from_file_location(
    "quality_benchmark", Path(__file__).resolve().parents[1] / "benchmarks" / "quality.py")
quality = importlib.util.module_from_spec(_SPEC)
sys.modules.setdefault("quality_benchmark", quality)  # dataclasses look their module up
_SPEC.loader.exec_module(quality)


def row(ident: str, category: str, severity: str = "none", **labels: bool) -> dict:
    base = {"harassment": False, "personal_data": False, "off_topic": False,
            "profanity": False, "wellbeing": False}
    return {"id": ident, "text": f"tekst {ident}", "group_kind": "class",
            "sender_role": "student", "category": category, "severity": severity,
            "labels": {**base, **labels}}


def test_figures_per_flag_category_critical_and_clean() -> None:
    rows = [
        row("a", "threat", "critical", harassment=True),
        row("b", "threat", "critical", harassment=True),
        row("c", "exclusion", "medium", harassment=True),
        row("d", "school"),
        row("e", "school"),
        row("f", "swearing", profanity=True),
    ]
    results = {
        "a": {"flags": ["harassment"], "severity": "critical"},
        "b": {"flags": [], "severity": "none"},
        "c": {"flags": ["harassment", "off_topic"], "severity": "medium"},
        "d": {"flags": ["profanity"], "severity": "low"},  # profanity is no false alarm here
        "e": {"flags": ["off_topic"], "severity": "none"},
        "f": {"flags": ["profanity"], "severity": "low"},
    }
    figures = quality.score(rows, results)
    harassment = figures["flags"]["harassment"]
    assert (harassment.tp, harassment.fp, harassment.fn) == (2, 0, 1)
    assert harassment.categories == {"threat": [1, 2], "exclusion": [1, 1]}
    assert figures["critical"] == [1, 2, 1]
    assert (figures["clean_flagged"], figures["clean_total"]) == (1, 2)
    assert list(figures["flags"])[:5] == ["harassment", "personal_data", "off_topic",
                                          "profanity", "wellbeing"]
    out = quality.as_json(figures)
    assert out["flags"]["harassment"]["categories"]["threat"] == {"found": 1, "of": 2}
    assert out["clean_false_positive_rate"] == 0.5


def test_show_texts_is_refused_for_the_sealed_split(tmp_path: Path, capsys) -> None:
    (tmp_path / "sealed").mkdir()
    (tmp_path / "sealed" / "test.jsonl").write_text(json.dumps(row("s1", "threat")) + "\n")
    for split in ("sealed", "all"):
        with pytest.raises(SystemExit) as exc:
            quality.main(["--split", split, "--show-texts", "--corpus", str(tmp_path)])
        assert exc.value.code == 2
    assert "tekst s1" not in capsys.readouterr().out


def test_sealed_report_lists_no_ids_or_texts(capsys) -> None:
    rows = [row("secret-1", "threat", harassment=True)]
    figures = quality.score(rows, {"secret-1": {"flags": [], "severity": "none"}})
    quality.report("sealed", rows, figures, show_texts=False, list_ids=False)
    out = capsys.readouterr().out
    assert "== sealed: 1 messages ==" in out and "threat" in out
    assert "secret-1" not in out and "tekst" not in out


def test_a_missing_split_is_named(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="dev split is missing"):
        quality.main(["--split", "dev", "--corpus", str(tmp_path)])


def test_a_functional_suite_is_scored_per_functionality_and_stays_sealed(
        tmp_path: Path, capsys) -> None:
    rows = [
        {**row("h1", "discrimination", "high", harassment=True), "functionality": "threat_dir"},
        {**row("h2", "discrimination", "high", harassment=True), "functionality": "threat_dir"},
        {**row("n1", "negation"), "functionality": "negate_neg"},
    ]
    results = {"h1": {"flags": ["harassment"], "severity": "high"},
               "h2": {"flags": [], "severity": "none"},
               "n1": {"flags": ["harassment"], "severity": "low"}}
    figures = quality.score(rows, results)
    out = quality.as_json(figures)["functionality"]
    assert out["threat_dir"] == {"right": 1, "of": 2, "hateful": True}
    assert out["negate_neg"] == {"right": 0, "of": 1, "hateful": False}
    quality.report("functional", rows, figures, show_texts=False, list_ids=False)
    printed = capsys.readouterr().out
    assert "threat_dir" in printed and "lowest functionality: 0.00" in printed
    assert "h1" not in printed.replace("threat_dir", "")
    (tmp_path / "sealed" / "functional").mkdir(parents=True)
    (tmp_path / "sealed" / "functional" / "suite.jsonl").write_text(json.dumps(rows[0]) + "\n")
    with pytest.raises(SystemExit) as exc:
        quality.main(["--split", "functional", "--show-texts", "--corpus", str(tmp_path)])
    assert exc.value.code == 2
