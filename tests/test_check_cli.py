"""The ``schoolwacht check`` JSON Lines contract: same order, one output per input, errors inline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_check(stdin: bytes, *args: str) -> list[dict]:
    result = subprocess.run([sys.executable, "-m", "bot.cli", "check", *args], input=stdin,
                            capture_output=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr.decode()
    return [json.loads(line) for line in result.stdout.decode().splitlines()]


def test_contract_order_and_bad_lines() -> None:
    lines = [
        {"id": "a", "text": "Vergeet de toets morgen niet!", "group_kind": "class",
         "sender_role": "teacher"},
        "{niet json",
        {"id": "c", "text": "hoi", "group_kind": "kantine", "sender_role": "student"},
        {"id": "d", "text": "hoi", "group_kind": "class", "sender_role": "rector"},
        {"id": "e", "group_kind": "class", "sender_role": "student"},
        {"id": "f", "image": "/nergens/plaatje.png", "group_kind": "class",
         "sender_role": "student"},
        {"id": "g", "text": "x" * 1_000_000, "group_kind": "parent", "sender_role": "parent"},
        [1, 2, 3],
    ]
    raw = b"\n".join(
        (item if isinstance(item, str) else json.dumps(item)).encode() for item in lines
    ) + b"\n\xff\xfe{\"id\": \"h\", \"text\": \"ok\"}\n\n"
    out = run_check(raw, "-")
    assert [o["id"] for o in out] == ["a", "line-2", "c", "d", "e", "f", "g", "line-8", "line-9"]
    ok = out[0]
    assert set(ok) == {"id", "flags", "severity", "findings"}
    assert ok["severity"] in ("none", "low", "medium", "high", "critical")
    assert "group_kind" in out[2]["error"] and "sender_role" in out[3]["error"]
    assert "text or image" in out[4]["error"]
    assert "image not found" in out[5]["error"]
    assert "flags" in out[6]
    assert "error" in out[7] and "error" in out[8]


def test_reads_a_file_argument(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"id": "x", "text": "Ouderavond is donderdag om 19:30",
                                "group_kind": "parent", "sender_role": "teacher"}) + "\n")
    out = run_check(b"", str(path))
    assert out[0]["id"] == "x" and out[0]["flags"] == []


def test_findings_carry_policy_article_score_and_evidence() -> None:
    line = json.dumps({"id": "p", "text": "bel haar maar op 06-12345678, dat is Lisa haar nummer",
                       "group_kind": "class", "sender_role": "student"}).encode()
    out = run_check(line + b"\n", "-")[0]
    assert "personal_data" in out["flags"]
    finding = next(f for f in out["findings"] if f["policy"] == "personal_data")
    assert finding["article"] == "AVG" and 0 < finding["score"] <= 1 and finding["evidence"]


def test_text_loads_neither_the_image_stack_nor_the_database() -> None:
    """Each command imports what it uses: a line of text needs no Pillow, scipy or SQLAlchemy
    (benchmarks/check_startup.py measures the cold start)."""
    probe = (
        "import runpy, sys\n"
        "sys.argv = ['schoolwacht', 'check', '-']\n"
        "try:\n"
        "    runpy.run_module('bot.cli', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('PIL', 'numpy', 'scipy', 'imagehash', 'sqlalchemy', 'sqlmodel', 'storage.models',\n"
        "         'policies.images.service')\n"
        "print(' '.join(m for m in heavy if m in sys.modules), file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], input=b'{"id": 1, "text": "hoi"}\n',
                            capture_output=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr.decode()
    assert json.loads(result.stdout)["id"] == 1
    assert result.stderr.decode().strip().splitlines()[-1:] in ([], [""])


def test_explain_adds_each_policy_answer() -> None:
    line = json.dumps({"id": "e", "text": "oké top"}).encode() + b"\n"
    plain = run_check(line, "-")[0]
    explained = run_check(line, "--explain", "-")[0]
    assert list(plain) == ["id", "flags", "severity", "findings"]
    assert {k: v for k, v in explained.items() if k != "explain"} == plain
    topic = next(e for e in explained["explain"] if e["policy"] == "topic")
    assert topic == {"policy": "topic", "result": "clear", "reason": "greeting or acknowledgement"}


def test_verdicts_do_not_depend_on_the_hash_seed() -> None:
    """Python orders sets by a per-process hash seed: a verdict read from set order would change
    from one start to the next (an English verb's Dutch inflection once claimed "hangt")."""
    lines = [
        "kan iemand mij laten weten waar mijn gymtas hangt? niet bij de kluisjes",
        "ik kill je morgen bij de fietsenstalling",
        "ik ga me ophangen als ik dit tentamen niet haal haha",
        "niemand wil jou erbij in het groepje voor het project",
        "ze hebben die poster opgehangen in de aula",
    ]
    stdin = "".join(json.dumps({"id": n, "text": t}) + "\n" for n, t in enumerate(lines)).encode()
    answers = []
    for seed in ("0", "1", "5", "11"):
        result = subprocess.run([sys.executable, "-m", "bot.cli", "check"], input=stdin,
                                capture_output=True, cwd=ROOT, timeout=300,
                                env={**os.environ, "PYTHONHASHSEED": seed})
        assert result.returncode == 0, result.stderr.decode()
        answers.append(result.stdout)
    assert all(a == answers[0] for a in answers)
    first = [json.loads(line) for line in answers[0].decode().splitlines()]
    assert "wellbeing" not in first[0]["flags"] and "harassment" not in first[0]["flags"]
    assert "harassment" in first[1]["flags"]
