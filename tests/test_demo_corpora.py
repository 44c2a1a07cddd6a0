"""The bundled demo corpora keep the layout and the planted defects corpora/README.md documents.

The demo config and other tests rely on these facts (aligned lines, known empty,
untranslated and entity-broken lines, a clear quality ordering), so a careless edit
of a corpus file must fail here rather than silently change what the demo shows.
"""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
import sacrebleu

CORPORA = Path(__file__).resolve().parents[1] / "corpora"
PAIRS = ["es-en", "en-zh", "en-ja"]

# 1-based line numbers of deliberately empty / untranslated segments, per README.
EMPTY_LINES = {
    ("es-en", "hyp.scraped.en"): {27},
    ("en-zh", "hyp.poor.zh"): {6},
    ("en-ja", "hyp.poor.ja"): {5},
}
UNTRANSLATED_LINES = {
    ("es-en", "hyp.scraped.en"): {22},
    ("en-zh", "hyp.poor.zh"): {2, 8, 15},
    ("en-ja", "hyp.poor.ja"): {3, 8},
}
SCRAPED_ENTITY_LINES = {3, 11, 16, 20, 21, 28, 29, 31, 32}
SPACED_ENTITY = re.compile(r"& ?# ?0?39 ?;|& ?quot ?;|&amp;(?:#39|quot);")

# (pair, reference files, tokenizer, systems best first)
ORDERINGS = [
    ("es-en", ["ref.A.en"], "13a", ["strong", "literal", "scraped"]),
    ("en-zh", ["ref.A.zh"], "zh", ["good", "fair", "poor"]),
    ("en-zh", ["ref.A.zh", "ref.B.zh"], "zh", ["good", "fair", "poor"]),
    ("en-ja", ["ref.A.ja"], "char", ["good", "poor"]),
]


def aligned_files(pair: str) -> list[Path]:
    """The line-aligned files of a pair: every file directly in its folder."""
    return sorted(p for p in (CORPORA / pair).iterdir() if p.is_file())


def read_lines(path: Path) -> list[str]:
    return path.read_bytes().decode("utf-8").split("\n")[:-1]


def all_text_files() -> list[Path]:
    return sorted(p for p in CORPORA.rglob("*") if p.is_file() and p.name != "README.md")


@pytest.mark.parametrize("path", all_text_files(), ids=lambda p: str(p.relative_to(CORPORA)))
def test_file_is_clean_utf8_lf_with_final_newline(path: Path) -> None:
    data = path.read_bytes()
    text = data.decode("utf-8")  # strict: raises on invalid UTF-8
    assert not text.startswith("\ufeff"), "BOM"
    assert "\r" not in text, "CR line ending"
    assert text.endswith("\n"), "no final newline"
    assert unicodedata.normalize("NFC", text) == text, "not NFC"
    for number, line in enumerate(read_lines(path), 1):
        assert line == line.strip(), f"line {number} has surrounding whitespace"


@pytest.mark.parametrize("pair", PAIRS)
def test_pair_files_have_equal_line_counts(pair: str) -> None:
    counts = {p.name: len(read_lines(p)) for p in aligned_files(pair)}
    assert len(set(counts.values())) == 1, counts
    assert {"source." + pair.split("-")[0], "docids.txt"} <= set(counts)


@pytest.mark.parametrize("pair", PAIRS)
def test_only_documented_lines_are_empty(pair: str) -> None:
    for path in aligned_files(pair):
        empty = {n for n, line in enumerate(read_lines(path), 1) if not line}
        assert empty == EMPTY_LINES.get((pair, path.name), set()), path.name


@pytest.mark.parametrize("pair", PAIRS)
def test_docids_form_contiguous_runs(pair: str) -> None:
    docids = read_lines(CORPORA / pair / "docids.txt")
    runs = [d for i, d in enumerate(docids) if i == 0 or docids[i - 1] != d]
    assert len(runs) == len(set(runs)), f"a document id reappears after another: {runs}"
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", d) for d in runs)


@pytest.mark.parametrize("pair", PAIRS)
def test_only_documented_lines_are_left_untranslated(pair: str) -> None:
    source = read_lines(CORPORA / pair / f"source.{pair.split('-')[0]}")
    for path in aligned_files(pair):
        if path.name.startswith(("hyp.", "ref.")):
            same = {n for n, (s, h) in enumerate(zip(source, read_lines(path)), 1) if s == h}
            assert same == UNTRANSLATED_LINES.get((pair, path.name), set()), path.name


def test_scraped_system_has_broken_entities_on_documented_lines() -> None:
    hyp = read_lines(CORPORA / "es-en" / "hyp.scraped.en")
    broken = {n for n, line in enumerate(hyp, 1) if SPACED_ENTITY.search(line)}
    assert broken == SCRAPED_ENTITY_LINES
    text = "\n".join(hyp)
    for form in ("& # 039;", "& # 39;", "& quot ;", "&amp;#39;"):
        assert form in text, form


def test_scraped_system_omission_keeps_only_a_fragment() -> None:
    hyp = read_lines(CORPORA / "es-en" / "hyp.scraped.en")
    ref = read_lines(CORPORA / "es-en" / "ref.A.en")
    assert len(hyp[7].split()) < len(ref[7].split()) / 3


@pytest.mark.parametrize("pair", ["en-zh", "en-ja"])
def test_cjk_references_are_not_tokenized(pair: str) -> None:
    for ref in (CORPORA / pair).glob("ref.*"):
        for number, line in enumerate(read_lines(ref), 1):
            assert not re.search(r"[^\x00-\x7f] [^\x00-\x7f]", line), f"{ref.name}:{number}"


@pytest.mark.parametrize(("lines", "document"), [("source.es", "source.es.txt"), ("ref.A.en", "reference.A.en.txt")])
def test_paragraphs_concatenate_lines(lines: str, document: str) -> None:
    source = read_lines(CORPORA / "es-en" / lines)
    paragraphs = read_lines(CORPORA / "es-en" / "documents" / document)
    start = 0
    for paragraph in paragraphs:
        end = next(
            (j for j in range(start + 1, len(source) + 1) if " ".join(source[start:j]) == paragraph),
            None,
        )
        assert end is not None, f"paragraph is not a run of lines from line {start + 1}"
        start = end
    assert start == len(source)


def test_scraped_document_differs_in_boundaries_but_keeps_defects() -> None:
    doc = read_lines(CORPORA / "es-en" / "documents" / "scraped.en.txt")
    source_paragraphs = read_lines(CORPORA / "es-en" / "documents" / "source.es.txt")
    assert len(doc) == len(source_paragraphs) and all(doc)
    hyp = [line for line in read_lines(CORPORA / "es-en" / "hyp.scraped.en") if line]
    assert " ".join(doc) != " ".join(hyp), "sentence boundaries should differ"
    text = "\n".join(doc)
    assert read_lines(CORPORA / "es-en" / "source.es")[21] in text  # untranslated
    assert len(SPACED_ENTITY.findall(text)) >= 5


@pytest.mark.parametrize(("pair", "refs", "tokenize", "systems"), ORDERINGS)
def test_systems_are_clearly_ordered(pair: str, refs: list[str], tokenize: str, systems: list[str]) -> None:
    tgt = pair.split("-")[1]
    references = [read_lines(CORPORA / pair / r) for r in refs]
    outputs = [read_lines(CORPORA / pair / f"hyp.{s}.{tgt}") for s in systems]
    bleu = [sacrebleu.corpus_bleu(o, references, tokenize=tokenize).score for o in outputs]
    chrf = [sacrebleu.corpus_chrf(o, references).score for o in outputs]
    for scores in (bleu, chrf):
        assert all(a > b + 5 for a, b in zip(scores, scores[1:])), scores
