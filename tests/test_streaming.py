"""Streaming (eval/streaming): `mteval score --stream` gives the in-memory path's
output and run directory exactly, whatever the chunk size; the readers read what
the in-memory loaders read; bad input mid-stream is one line and no finished files."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import wmt22_txt
from eval.corpora.files import read_lines
from eval.corpora.model import TestSet
from eval.corpora.tabular import Columns, load_jsonl
from eval.errors import UserError
from eval.config import metric_specs
from eval.scoring import build_metrics, score_testset
from eval.store import StatsCache
from eval.streaming.loop import StreamedTestSet, StreamScorer
from eval.streaming.readers import LineFile, jsonl_chunks, parquet_chunks, text_chunks

ROWS = 240  # real WMT22 de-en rows: enough for ties, odd chunk sizes and a copied-source line


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """Source, two references and two systems (the second copies the source in
    row 5, so the report's untranslated lines are exercised), from real de-en text."""
    data = wmt22_txt("de-en")
    folder = tmp_path_factory.mktemp("stream-input")
    streams = {"src.de": data["source"], "A.en": data["references"]["A"], "B.en": data["references"]["B"],
               "LT22.en": data["systems"]["LT22"], "Lan-Bridge.en": data["systems"]["Lan-Bridge"]}
    out = {}
    for name, path in streams.items():
        lines = read_lines(path)[:ROWS]
        if name == "Lan-Bridge.en":
            lines[4] = read_lines(data["source"])[4]
        out[name] = folder / name
        out[name].write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def score_args(files: dict[str, Path], *extra) -> list:
    return ["score", "--src", files["src.de"], "--refs", files["A.en"], files["B.en"],
            "--hyps", files["LT22.en"], files["Lan-Bridge.en"], "-l", "de-en", "-m", "bleu,chrf,ter", *extra]


def run_dir(folder: Path) -> dict:
    """Everything a run directory holds, comparable between two runs."""
    results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    for key in ("created", "run_uid"):
        results.pop(key)
    npz = np.load(folder / "stats.npz")
    return {
        "results": results,
        "segments": pd.read_parquet(folder / "segments.parquet"),
        "texts": pd.read_parquet(folder / "texts.parquet"),
        "stats": {key: npz[key] for key in npz.files},
        "files": {str(p.relative_to(folder)): p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*"))
                  if p.is_file() and p.suffix in (".md", ".csv") or "systems" in p.parts and p.is_file()},
    }


def assert_same_run(a: dict, b: dict) -> None:
    assert a["results"] == b["results"]
    pd.testing.assert_frame_equal(a["segments"], b["segments"], check_exact=True)
    pd.testing.assert_frame_equal(a["texts"], b["texts"], check_exact=True)
    assert a["stats"].keys() == b["stats"].keys()
    for key, matrix in a["stats"].items():
        assert matrix.dtype == b["stats"][key].dtype and np.array_equal(matrix, b["stats"][key]), key
    assert a["files"] == b["files"]


def test_stream_equals_in_memory_output_and_run_directory(files, cli, tmp_path):
    """Scores, segment scores, intervals, p-values, JSON output and every file of
    the run directory: identical, with chunks that split the input unevenly."""
    significance = ["--confidence", "--paired-bs", "--paired-n", "200", "-f", "json"]
    code, memory_out, err = cli(*score_args(files, *significance, "--cache", "off", "--out", tmp_path / "memory"))
    assert code == 0, err
    code, stream_out, err = cli(*score_args(files, *significance, "--cache", "off", "--out", tmp_path / "stream",
                                            "--stream", "--chunk-size", "7"))
    assert code == 0, err
    assert json.loads(stream_out) == json.loads(memory_out)
    assert "p_value" in json.loads(stream_out)["systems"]["Lan-Bridge.en"]["bleu"]
    streamed = run_dir(tmp_path / "stream")
    assert_same_run(streamed, run_dir(tmp_path / "memory"))
    report = json.loads((tmp_path / "stream" / "systems" / "cli" / "Lan-Bridge.en.json").read_text())
    assert report["statistics"]["untranslated_lines"] == [5]
    assert not [p for p in (tmp_path / "stream").iterdir() if p.name.startswith(".mteval-stream-")]


def test_stream_table_output_and_cache(files, cli, tmp_path):
    """The table output is the in-memory one; with a cache half filled (one system
    scored before), the stream looks it up per chunk and computes only the rest."""
    cache = tmp_path / "stats.sqlite"
    _, memory_out, _ = cli(*score_args(files, "--cache", "off"))
    code, _, err = cli("score", "--src", files["src.de"], "--refs", files["A.en"], files["B.en"],
                       "--hyps", files["LT22.en"], "-l", "de-en", "--cache", cache)
    assert code == 0, err
    code, out, err = cli(*score_args(files, "--cache", cache, "--stream", "--chunk-size", "50", "--out",
                                     tmp_path / "run"))
    assert code == 0, err
    assert out == memory_out
    entry = json.loads((tmp_path / "run" / "results.json").read_text())["testsets"]["cli"]
    assert entry["segments_cached"] >= 3 * ROWS  # all of LT22, three metrics
    assert entry["segments_cached"] + entry["segments_computed"] == 3 * 2 * ROWS
    _, warm, _ = cli(*score_args(files, "--cache", cache, "--stream", "--chunk-size", "13"))
    assert warm == memory_out


def in_memory(files: dict[str, Path]) -> TestSet:
    return TestSet("cli", "de", "en", read_lines(files["src.de"]),
                   {"A": read_lines(files["A.en"]), "B": read_lines(files["B.en"])},
                   {"LT22": read_lines(files["LT22.en"]), "Lan-Bridge": read_lines(files["Lan-Bridge.en"])})


def streamed(files: dict[str, Path], chunks, work: Path, cache: StatsCache | None = None):
    ts = StreamedTestSet("cli", "de", "en", {"A": "A", "B": "B"}, {"LT22": "1", "Lan-Bridge": "2"}, {})
    metrics = build_metrics(metric_specs(["bleu", "chrf", "ter"]), "en", src_lang="de")
    scorer = StreamScorer(ts, metrics, cache, work, keep_rows=True, tables=False)
    try:
        return scorer.run(chunks)
    finally:
        scorer.close()


@pytest.mark.parametrize("size", [1, 16, ROWS + 1])
def test_chunk_boundaries_do_not_matter(files, tmp_path, size):
    """Per-segment statistics, their compact spill and the corpus sums are the
    in-memory path's for any chunk size; count statistics are stored as int32."""
    expected = score_testset(in_memory(files), build_metrics(metric_specs(["bleu", "chrf", "ter"]), "en", src_lang="de"))
    chunks = text_chunks(files["src.de"], {"A": files["A.en"], "B": files["B.en"]},
                         {"LT22": files["LT22.en"], "Lan-Bridge": files["Lan-Bridge.en"]}, size)
    got = streamed(files, chunks, tmp_path)
    for key, matrix in expected.stats.items():
        assert np.array_equal(got.stats[key], matrix), key
        assert got.corpus_score(*key) == expected.corpus_score(*key), key
    assert got.spills["bleu", "LT22"].stored_bytes == ROWS * 10 * 4  # int32 counts, not float64 objects


def test_jsonl_and_parquet_readers_read_what_the_loader_reads(files, tmp_path):
    """JSONL (a blank line, a leading byte-order mark, an integer cell) and Parquet
    chunks hold the rows load_jsonl reads, in order, for any chunk size."""
    names = {"source": "src.de", "ref": "A.en", "sys1": "LT22.en"}
    columns = {key: read_lines(files[name]) for key, name in names.items()}
    rows = [dict(zip(columns, values)) for values in zip(*columns.values())]
    rows[3]["sys1"] = 42
    lines = [json.dumps(row, ensure_ascii=False) for row in rows]
    lines.insert(10, "   ")
    path = tmp_path / "rows.jsonl"
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    mapping = Columns(source="source", references={"A": "ref"}, systems={"one": "sys1"})
    expected = load_jsonl("t", "de", "en", path, mapping)
    for size in (7, 1000):
        chunks = list(jsonl_chunks(path, mapping, size))
        assert [c.start for c in chunks] == [sum(len(p) for p in chunks[:i]) for i in range(len(chunks))]
        assert sum((c.source for c in chunks), []) == expected.source
        assert sum((c.references["A"] for c in chunks), []) == expected.references["A"]
        assert sum((c.systems["one"] for c in chunks), []) == expected.systems["one"] and expected.systems["one"][3] == "42"
    table = tmp_path / "rows.parquet"
    rows[3]["sys1"] = "42"
    pq.write_table(pa.Table.from_pylist(rows), table, row_group_size=50)
    chunks = list(parquet_chunks(table, mapping, 32))
    assert max(len(c) for c in chunks) <= 32
    assert sum((c.systems["one"] for c in chunks), []) == expected.systems["one"]
    assert sum((c.source for c in chunks), []) == expected.source


def test_jsonl_and_parquet_bad_rows_name_the_line(tmp_path):
    path = tmp_path / "rows.jsonl"
    good = json.dumps({"s": "a", "r": "b", "h": "c"})
    path.write_text("\n".join([good] * 5 + ["[1, 2]"] + [good]) + "\n", encoding="utf-8")
    mapping = Columns(source="s", references={"A": "r"}, systems={"x": "h"})
    with pytest.raises(UserError, match=rf"^{path}:6: expected a JSON object per line$"):
        list(jsonl_chunks(path, mapping, 2))
    path.write_text("\n".join([good] * 3 + ['{"s": "a", "r": "b"}']) + "\n", encoding="utf-8")
    with pytest.raises(UserError, match=rf"^{path}:4: no column 'h'"):
        list(jsonl_chunks(path, mapping, 2))
    table = tmp_path / "rows.parquet"
    pq.write_table(pa.table({"s": ["a"], "r": ["b"], "h": [1.5]}), table)
    with pytest.raises(UserError, match=r"column 'h' holds double, expected text"):
        list(parquet_chunks(table, mapping, 2))
    pq.write_table(pa.table({"s": ["a"], "r": ["b"]}), table)
    with pytest.raises(UserError, match=r"no column 'h'"):
        list(parquet_chunks(table, mapping, 2))


@pytest.mark.parametrize("data", [b"a\nb", b"a \r\nb\n\n", b"\xef\xbb\xbfx\n\ny  \n", b"one\n" * 9 + b"\xc3\xa9t\xc3\xa9"])
def test_line_file_reads_as_read_lines(tmp_path, data):
    """Blocks that cut lines (and characters) anywhere still give read_lines' lines."""
    path = tmp_path / "t.txt"
    path.write_bytes(data)
    for block in (1, 2, 3, 1 << 20):
        reader = LineFile(path, block_bytes=block)
        got = reader.take(3) + reader.take(100)
        reader.close()
        assert got == read_lines(path)


def test_bad_input_mid_stream_is_one_line_and_no_finished_files(files, cli, tmp_path):
    """A file shorter than the others, an invalid byte at line N, a blank file:
    exit 2, one line naming the file (and line); no scores shown and nothing in
    the run directory, not even the temporary files."""
    short = tmp_path / "short.en"
    short.write_text("\n".join(read_lines(files["LT22.en"])[:100]) + "\n", encoding="utf-8")
    bad = tmp_path / "bad.en"
    lines = [line.encode() for line in read_lines(files["LT22.en"])]
    lines[150] = b"caf\xe9 " + lines[150]
    bad.write_bytes(b"\n".join(lines) + b"\n")
    blank = tmp_path / "blank.en"
    blank.write_text("\n \n", encoding="utf-8")
    cases = [(short, rf"^mteval: error: {short}: ends after line 100, but \S+ goes on \(it has a line 101\)"),
             (bad, rf"^mteval: error: {bad}:151: invalid UTF-8 \(byte 0xe9 at column 4\)$"),
             (blank, rf"^mteval: error: {blank}: file is empty$")]
    for path, message in cases:
        out_dir = tmp_path / f"run-{path.stem}"
        code, out, err = cli("score", "--src", files["src.de"], "--refs", files["A.en"], "--hyps", files["LT22.en"],
                             path, "-l", "de-en", "--stream", "--chunk-size", "16", "--cache", "off",
                             "--confidence", "--out", out_dir)
        assert code == 2 and out == ""
        assert len(err.splitlines()) == 1 and pytest.importorskip("re").match(message, err), err
        assert not list(out_dir.iterdir())


def test_stream_refuses_what_it_cannot_do(files, cli):
    code, _, err = cli(*score_args(files, "--chunk-size", "10"))
    assert code == 2 and err == "mteval: error: --chunk-size needs --stream\n"
    code, _, err = cli(*score_args(files, "--stream", "--chunk-size", "0"))
    assert code == 2 and "--chunk-size" in err and len(err.splitlines()) == 1


def test_stream_refuses_a_metric_that_needs_the_whole_test_set(files, cli):
    """BERTScore with idf weights reads every reference before any segment: no chunks."""
    code, out, err = cli("score", "--refs", files["A.en"], "--hyps", files["LT22.en"], "-l", "de-en",
                         "-m", "bertscore", "-o", "bertscore.idf=true", "--stream", "--cache", "off")
    assert (code, out) == (2, "")
    assert err == ("mteval: error: metric 'bertscore' needs the whole test set at once (its statistics are not "
                   "per segment); score it without --stream\n")


def write_table_files(files: dict[str, Path], folder: Path) -> tuple[Path, Path, list[dict]]:
    names = {"src": "src.de", "ref_a": "A.en", "ref_b": "B.en", "lt22": "LT22.en", "lan": "Lan-Bridge.en"}
    columns = {key: read_lines(files[name]) for key, name in names.items()}
    rows = [dict(zip(columns, values)) for values in zip(*columns.values())]
    jsonl = folder / "rows.jsonl"
    jsonl.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows) + "\n", encoding="utf-8")
    parquet = folder / "rows.parquet"
    pq.write_table(pa.Table.from_pylist(rows), parquet, row_group_size=64)
    return jsonl, parquet, rows


TABLE_COLUMNS = ["--columns", "source=src", "ref:A=ref_a", "ref:B=ref_b", "sys:LT22.en=lt22", "sys:Lan-Bridge.en=lan"]


def test_table_inputs_score_as_the_line_files(files, cli, tmp_path):
    """`--table` JSONL and Parquet, streamed or not, score as the line-aligned files do."""
    jsonl, parquet, _ = write_table_files(files, tmp_path)
    _, expected, _ = cli(*score_args(files, "--cache", "off", "-f", "json"))
    for table in (jsonl, parquet):
        for stream in ([], ["--stream", "--chunk-size", "25"]):
            code, out, err = cli("score", "--table", table, *TABLE_COLUMNS, "-l", "de-en", "--cache", "off",
                                 "-f", "json", *stream)
            assert code == 0, err
            assert json.loads(out) == json.loads(expected), (table, stream)


def test_table_bad_row_mid_stream(files, cli, tmp_path):
    """A JSONL line that is not an object, after chunks were scored: exit 2,
    one line naming the file and line, no scores shown, no run directory files."""
    jsonl, _, rows = write_table_files(files, tmp_path)
    lines = jsonl.read_text(encoding="utf-8").split("\n")
    lines[199] = '"just a string"'
    jsonl.write_text("\n".join(lines), encoding="utf-8")
    code, out, err = cli("score", "--table", jsonl, *TABLE_COLUMNS, "-l", "de-en", "--cache", "off", "--stream",
                         "--chunk-size", "20", "--out", tmp_path / "run")
    assert (code, out) == (2, "")
    assert err == f"mteval: error: {jsonl}:200: expected a JSONL object per line\n".replace("JSONL", "JSON")
    assert not list((tmp_path / "run").iterdir())


@pytest.mark.parametrize("args, message", [
    (["--columns", "source=src"], "--columns needs --table"),
    (["--table", "x.jsonl"], "--table needs --columns (source=COL ref:NAME=COL sys:NAME=COL)"),
    (["--table", "x.jsonl", "--columns", "source=s", "ref=r", "sys:a=h"],
     "--columns: expected source=COL, ref:NAME=COL or sys:NAME=COL, got 'ref=r'"),
    (["--table", "x.jsonl", "--columns", "source=s", "ref:A=r"],
     "--columns: give source=COL, at least one ref:NAME=COL and at least one sys:NAME=COL"),
    (["--table", "x.csv", "--columns", "source=s", "ref:A=r", "sys:a=h"],
     "x.csv: expected a .jsonl file, a .parquet file or a folder of .parquet files"),
    ([], "give --refs and --hyps (or --table with --columns)"),
])
def test_table_options_are_checked(cli, args, message):
    code, _, err = cli("score", "-l", "de-en", *args)
    assert (code, err) == (2, f"mteval: error: {message}\n")


def test_report_reads_selected_rows_of_a_streamed_run(files, cli, tmp_path):
    """The report reads a streamed run's texts on demand: a few rows come back
    from texts.parquet as the input files have them."""
    from eval.report.run_texts import run_testset

    code, _, err = cli(*score_args(files, "--cache", "off", "--stream", "--chunk-size", "30", "--out", tmp_path / "run"))
    assert code == 0, err
    ts = run_testset(tmp_path / "run" / "texts.parquet", "cli", "de-en", 240, ["A", "B"], ["LT22.en", "Lan-Bridge.en"])
    rows = [239, 0, 76]
    assert [ts.source[i] for i in rows] == [read_lines(files["src.de"])[i] for i in rows]
    for name in ("A", "B"):
        assert ts.references[name].take(rows) == [read_lines(files[f"{name}.en"])[i] for i in rows]
    for name in ("LT22.en", "Lan-Bridge.en"):
        assert ts.systems[name].take(rows) == [read_lines(files[name])[i] for i in rows]
    code, _, err = cli("report", tmp_path / "run")
    assert code == 0, err
    assert (tmp_path / "run" / "report.html").stat().st_size > 0


@pytest.mark.parametrize("data", [b"ok\nok\nbad \xff here\n", b"ok\n\xc3", b"ok\nx\x00y\n", b"\xff\xfeu\x00"])
def test_line_file_errors_are_read_lines_errors(tmp_path, data):
    """Invalid UTF-8 (also a character cut by the end of the file) and NUL bytes
    give read_lines' message, line and column, wherever the blocks are cut."""
    path = tmp_path / "t.txt"
    path.write_bytes(data)
    with pytest.raises(UserError) as expected:
        read_lines(path)
    for block in (1, 4, 1 << 20):
        reader = LineFile(path, block_bytes=block)
        with pytest.raises(UserError) as got:
            reader.take(10)
        reader.close()
        assert str(got.value) == str(expected.value)


def test_stream_without_source(files, cli):
    """No --src: empty source segments, as the in-memory path scores them."""
    args = ["score", "--refs", files["A.en"], "--hyps", files["LT22.en"], "-l", "de-en", "--cache", "off", "-f", "json"]
    _, expected, _ = cli(*args)
    code, out, err = cli(*args, "--stream", "--chunk-size", "17")
    assert code == 0, err
    assert out == expected
