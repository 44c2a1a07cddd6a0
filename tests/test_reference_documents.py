"""References given as documents (``ref_format: document``): aligned to the
source, the test set regrouped, systems joined by the same groups."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pandas as pd
import pytest
import sacrebleu

from conftest import CORPORA, WMT22, check_spanish_short_document_warnings, need, needs_default_model
from eval.corpora.files import read_lines
from eval.reference_alignment import source_groups

ES = CORPORA / "es-en"


def test_groups_join_the_rows_a_bead_of_any_reference_spans():
    assert source_groups(5, []) == [[0], [1], [2], [3], [4]]
    a = [[0], [1, 2], [3], [4]]
    b = [[0, 1], [], [2], [3], [4]]
    assert source_groups(5, [a]) == [[0], [1, 2], [3], [4]]
    assert source_groups(5, [a, b]) == [[0, 1, 2], [3], [4]]
    assert source_groups(3, [[[0], [2]]]) == [[0], [1], [2]]  # a row no bead covers stands alone


def _write_documents(folder, lines, doc_ids):
    folder.mkdir()
    by_doc: dict[str, list[str]] = {}
    for doc, line in zip(doc_ids, lines):
        by_doc.setdefault(doc, []).append(line)
    for doc, segs in by_doc.items():  # one paragraph per document: the segment breaks are gone
        (folder / f"{doc}.txt").write_text(" ".join(segs) + "\n", encoding="utf-8")
    return folder


def _config(tmp_path, source, refs, doc_ids, systems, langs="es-en", options=""):
    path = tmp_path / "c.yaml"
    path.write_text(
        f"name: r\nmetrics: [bleu, chrf]\nhistory: 'off'\ncache: 'off'\ntestsets:\n"
        f"  - {{name: t, langs: {langs}, source: {source}, references: {refs},"
        f" doc_ids: {doc_ids}, ref_format: document, systems: '{systems}'{options}}}\n",
        encoding="utf-8",
    )
    return path


def _consume(rows, lines, sep=" "):
    """Walk the original lines: each row must be the join of the next few."""
    groups, k = [], 0
    for row in rows:
        for size in range(1, 5):
            if sep.join(lines[k:k + size]) == row:
                groups.append(list(range(k, k + size)))
                k += size
                break
        else:
            raise AssertionError(f"row {row!r} is not a join of lines {k}..")
    return groups


def _rows(out, field):
    texts = pd.read_parquet(out / "texts.parquet")
    return texts[texts.field == field].sort_values("seg_id").text.tolist()


def _check_regrouping(out, source, reference, system):
    """Source and the line-aligned system are grouped alike; returns the groups
    and the share of reference rows that are exactly the translation of their
    source row (the original reference lines of the group)."""
    groups = _consume(_rows(out, "source"), source)
    assert _rows(out, f"sys:{system[0]}") == [" ".join(system[1][i] for i in g) for g in groups]
    expected = [" ".join(reference[i] for i in g) for g in groups]
    exact = sum(a == b for a, b in zip(_rows(out, "ref:A"), expected))
    return groups, exact / len(groups)


def test_demo_reference_article_is_aligned_and_the_rows_regrouped(cli, tmp_path):
    doc_ids = read_lines(ES / "docids.txt")
    refs = _write_documents(tmp_path / "ref-docs", read_lines(ES / "ref.A.en"), doc_ids)
    config = _config(tmp_path, ES / "source.es", f"{{A: {refs}}}", ES / "docids.txt", f"{ES}/hyp.*.en")
    code, _, err = cli("run", config, "--out", tmp_path / "out")
    assert code == 0, err
    result = json.loads((tmp_path / "out" / "results.json").read_text())["testsets"]["t"]
    notes = result["reference_alignment"]
    # "… 6 a.m. Two people …" stays one sentence, so source lines 4 and 5 become one row.
    assert notes["rows"] == {"source_segments": 34, "rows": 33, "merged_rows": 1, "dropped_source_segments": 0,
                             "dropped_lines": [], "reference_sentences_without_source": {"A": 0}}
    assert notes["ref:A"]["bead_types"] == {"1-1": 32, "2-1": 1} and notes["ref:A"]["warnings"] == []
    groups, exact = _check_regrouping(tmp_path / "out", read_lines(ES / "source.es"), read_lines(ES / "ref.A.en"),
                                      ("strong", read_lines(ES / "hyp.strong.en")))
    assert exact == 1.0 and [g for g in groups if len(g) > 1] == [[3, 4]]
    segments = pd.read_parquet(tmp_path / "out" / "segments.parquet")
    unsure = segments.groupby("system")["flag:low-confidence-reference-alignment"].sum()
    assert set(unsure.index) == {"strong", "literal", "scraped"} and len(set(unsure)) == 1  # the same rows for all
    # every bead is right (the calibrated confidence says so), so no row is flagged
    assert unsure.iloc[0] == notes["ref:A"]["low_confidence_beads"] == 0


@pytest.mark.slow
def test_a_reference_sentence_without_source_is_dropped_and_counted(cli, tmp_path):
    """With the default model; model-free, the extra sentence joins its neighbour in a 1-2 bead."""
    needs_default_model()
    doc_ids = read_lines(ES / "docids.txt")
    reference = read_lines(ES / "ref.A.en")
    refs = _write_documents(tmp_path / "ref-docs", reference, doc_ids)
    first = refs / f"{doc_ids[0]}.txt"
    text = first.read_text(encoding="utf-8")
    marker = reference[5]
    first.write_text(text.replace(marker, marker + " Subscribe to our newsletter for 10% off today!"), encoding="utf-8")
    config = _config(tmp_path, ES / "source.es", f"{{A: {refs}}}", ES / "docids.txt", f"{ES}/hyp.*.en",
                     options=", align_model: default")
    assert cli("run", config, "--out", tmp_path / "out")[0] == 0
    notes = json.loads((tmp_path / "out" / "results.json").read_text())["testsets"]["t"]["reference_alignment"]
    assert notes["rows"]["reference_sentences_without_source"] == {"A": 1}
    assert notes["ref:A"]["bead_types"]["0-1"] == 1
    assert _check_regrouping(tmp_path / "out", read_lines(ES / "source.es"), reference,
                             ("literal", read_lines(ES / "hyp.literal.en")))[1] == 1.0


def test_wmt22_ru_en_reference_as_documents_keeps_every_score(cli, tmp_path):
    """Reference A of WMT22 ru-en joined per document and re-split (model-free
    alignment): at least 99% of rows hold exactly their reference, and each
    system's BLEU/chrF stays within 0.2."""
    root = ET.parse(need(WMT22 / "xml" / "wmttest2022.ru-en.all.xml")).getroot()
    source, doc_ids, reference, systems = [], [], [], {}
    for doc in root.iter("doc"):
        segs = [s.text or "" for s in doc.find("src").iter("seg")]
        source += segs
        doc_ids += [doc.get("id")] * len(segs)
        reference += [s.text or "" for s in doc.find("ref[@translator='A']").iter("seg")]
        for hyp in doc.findall("hyp"):
            systems.setdefault(hyp.get("system"), []).extend(s.text or "" for s in hyp.iter("seg"))
    for name, lines in {"src.ru": source, "ids": doc_ids, **{f"hyp.{k}.en": v for k, v in systems.items()}}.items():
        (tmp_path / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    refs = _write_documents(tmp_path / "ref-docs", reference, doc_ids)
    config = _config(tmp_path, tmp_path / "src.ru", f"{{A: {refs}}}", tmp_path / "ids", f"{tmp_path}/hyp.*.en", langs="ru-en",
                     options=", align_model: none")
    code, _, err = cli("run", config, "--out", tmp_path / "out")
    assert code == 0, err
    result = json.loads((tmp_path / "out" / "results.json").read_text())["testsets"]["t"]
    rows = result["reference_alignment"]["rows"]
    assert rows["dropped_source_segments"] == 0 and rows["reference_sentences_without_source"] == {"A": 0}
    assert rows["rows"] >= 0.93 * len(source)  # headlines without a full stop join the next sentence
    exact = _check_regrouping(tmp_path / "out", source, reference, ("Online-B", systems["Online-B"]))[1]
    print(f"ru-en: {rows['rows']} rows, {exact:.2%} of reference rows exact")
    assert exact >= 0.99
    for name, hyp in systems.items():
        scores = result["systems"][name]
        assert abs(scores["bleu"]["score"] - sacrebleu.corpus_bleu(hyp, [reference]).score) <= 0.2, name
        assert abs(scores["chrf"]["score"] - sacrebleu.corpus_chrf(hyp, [reference]).score) <= 0.2, name


def _documents_config(tmp_path, source_keys: str):
    """Reference A and system ``strong`` as folders of documents; ``source_keys``
    says where the source comes from."""
    doc_ids = read_lines(ES / "docids.txt")
    refs = _write_documents(tmp_path / "ref-docs", read_lines(ES / "ref.A.en"), doc_ids)
    strong = _write_documents(tmp_path / "strong-docs", read_lines(ES / "hyp.strong.en"), doc_ids)
    path = tmp_path / "c.yaml"
    path.write_text(
        f"name: r\nmetrics: [bleu]\nhistory: 'off'\ncache: 'off'\ntestsets:\n"
        f"  - {{name: t, langs: es-en, {source_keys}, references: {{A: {refs}}},"
        f" ref_format: document, hyp_format: document, systems: {{strong: {strong}}}}}\n", encoding="utf-8")
    return path


def test_reference_documents_with_systems_as_documents(cli, tmp_path):
    path = _documents_config(tmp_path, f"source: {ES}/source.es, doc_ids: {ES}/docids.txt")
    assert cli("run", path, "--out", tmp_path / "out")[0] == 0
    result = json.loads((tmp_path / "out" / "results.json").read_text())["testsets"]["t"]
    expected = sacrebleu.corpus_bleu(read_lines(ES / "hyp.strong.en"), [read_lines(ES / "ref.A.en")]).score
    assert result["n_segments"] == 33 and abs(result["systems"]["strong"]["bleu"]["score"] - expected) <= 0.5


def test_bad_reference_documents_are_one_line_errors_or_warnings(cli, tmp_path):
    doc_ids = read_lines(ES / "docids.txt")
    refs = _write_documents(tmp_path / "ref-docs", read_lines(ES / "ref.A.en"), doc_ids)
    config = _config(tmp_path, ES / "source.es", f"{{A: {refs}}}", ES / "docids.txt", f"{ES}/hyp.*.en")
    (refs / f"{doc_ids[-1]}.txt").write_text("", encoding="utf-8")
    code, _, err = cli("run", config, "--out", tmp_path / "out")
    assert code == 2 and err.strip().endswith(f"{doc_ids[-1]}.txt: file is empty") and len(err.strip().splitlines()) == 1
    (refs / f"{doc_ids[-1]}.txt").unlink()
    code, _, err = cli("run", config, "--out", tmp_path / "out")
    assert code == 2 and f"no file for document {doc_ids[-1]!r}" in err
    # three Spanish source sentences as the whole reference: aligned, but lopsided and in the wrong language
    single = tmp_path / "wrong.txt"
    single.write_text(" ".join(read_lines(ES / "source.es")[:3]) + "\n", encoding="utf-8")
    code, _, err = cli("run", _config(tmp_path, ES / "source.es", f"{{A: {single}}}", ES / "docids.txt",
                                      f"{ES}/hyp.*.en"), "--out", tmp_path / "out2")
    assert code == 0
    notes = json.loads((tmp_path / "out2" / "results.json").read_text())["testsets"]["t"]["reference_alignment"]
    check_spanish_short_document_warnings(err, notes["ref:A"]["warnings"])


def test_ref_format_document_needs_the_text_format(cli, tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("name: r\ntestsets:\n  - {name: t, langs: ru-en, format: wmt-xml, path: x.xml, ref_format: document}\n",
                    encoding="utf-8")
    code, _, err = cli("run", path)
    assert code == 2 and "testsets.0" in err and "ref_format 'document' needs format 'text'" in err


def test_two_reference_documents_share_the_coarser_grouping(cli, tmp_path):
    """Reference B joins source lines 8 and 9 into one sentence; A keeps them
    apart: the row holds both lines, and A's two sentences together."""
    doc_ids = read_lines(ES / "docids.txt")
    reference = read_lines(ES / "ref.A.en")
    refs_a = _write_documents(tmp_path / "a", reference, doc_ids)
    joined = list(reference)
    joined[7] = joined[7].rstrip(".") + ", and " + joined[8][0].lower() + joined[8][1:]
    del joined[8]
    refs_b = _write_documents(tmp_path / "b", joined, doc_ids[:8] + doc_ids[9:])
    config = _config(tmp_path, ES / "source.es", f"{{A: {refs_a}, B: {refs_b}}}", ES / "docids.txt", f"{ES}/hyp.*.en")
    code, _, err = cli("run", config, "--out", tmp_path / "out")
    assert code == 0, err
    result = json.loads((tmp_path / "out" / "results.json").read_text())["testsets"]["t"]
    assert result["n_segments"] == 32 and result["reference_alignment"]["ref:B"]["bead_types"]["2-1"] == 2
    groups, exact = _check_regrouping(tmp_path / "out", read_lines(ES / "source.es"), reference,
                                      ("strong", read_lines(ES / "hyp.strong.en")))
    assert exact == 1.0 and [g for g in groups if len(g) > 1] == [[3, 4], [7, 8]]
    assert _rows(tmp_path / "out", "ref:B")[6] == joined[7]


def test_demo_three_articles_source_split_reference_and_rendering_aligned(demo_run):
    """Source, reference and machine rendering all as articles: the source is
    split (34 sentences, datelines kept), the reference aligned and regrouped,
    the rendering repaired and re-segmented; it scores like the line-aligned case."""
    testsets = json.loads((demo_run.path / "results.json").read_text())["testsets"]
    articles = testsets["demo-es-en-articles"]
    assert articles["reference_alignment"]["rows"]["source_segments"] == 34
    assert articles["n_segments"] == 33 and articles["repairs"]["scraped-article"]["counts"]["entity"] == 23
    line_source = testsets["demo-es-en-scraped-article"]["systems"]["scraped-article"]
    for metric in ("bleu", "chrf"):
        assert abs(articles["systems"]["scraped-article"][metric]["score"] - line_source[metric]["score"]) <= 1.0


def test_source_folder_takes_document_ids_from_file_names(cli, tmp_path):
    doc_ids = read_lines(ES / "docids.txt")
    sources = _write_documents(tmp_path / "src", read_lines(ES / "source.es"), doc_ids)
    code, _, err = cli("run", _documents_config(tmp_path, f"src_format: document, source: {sources}"),
                       "--out", tmp_path / "out")
    assert code == 0, err
    segments = pd.read_parquet(tmp_path / "out" / "segments.parquet")
    assert list(dict.fromkeys(segments.doc_id)) == sorted(dict.fromkeys(doc_ids))  # name order
    assert len(segments) == 33


@pytest.mark.parametrize(("extra", "message"), [
    ("ref_format: segments", "src_format 'document' needs ref_format 'document'"),
    ("ref_format: document, systems: {s: x.txt}", "src_format 'document' needs hyp_format 'document'"),
    ("ref_format: document, doc_ids: ids.txt", "takes document ids from the file names"),
])
def test_source_documents_config_errors(cli, tmp_path, extra, message):
    path = tmp_path / "c.yaml"
    path.write_text(f"name: r\ntestsets:\n  - {{name: t, langs: es-en, src_format: document, source: s.txt,"
                    f" references: r.txt, {extra}}}\n", encoding="utf-8")
    code, _, err = cli("run", path)
    assert code == 2 and "testsets.0" in err and message in err and len(err.strip().splitlines()) == 1


def test_empty_source_folder_is_one_line(cli, tmp_path):
    (tmp_path / "src").mkdir()
    path = tmp_path / "c.yaml"
    path.write_text(f"name: r\nhistory: 'off'\ntestsets:\n  - {{name: t, langs: es-en, src_format: document,"
                    f" source: {tmp_path / 'src'}, ref_format: document, references: {ES}/ref.A.en}}\n",
                    encoding="utf-8")
    code, _, err = cli("run", path, "--out", tmp_path / "out")
    assert code == 2 and err.strip().endswith("the source folder holds no documents")
