"""Every input format loads to the same test set; remote formats fail fast offline."""
from __future__ import annotations

import json
import time

import pytest

from conftest import CORPORA
from eval.config import TestSetSpec
from eval.corpora import load_testset
from eval.corpora.files import read_lines
from eval.errors import UserError

ES = CORPORA / "es-en"
SYSTEMS = ("strong", "literal", "scraped")


def _columns():
    return {"source": "src", "references": {"A": "ref"}, "systems": {s: s for s in SYSTEMS}, "doc_id": "doc"}


def _rows():
    cols = {"src": read_lines(ES / "source.es"), "ref": read_lines(ES / "ref.A.en"), "doc": read_lines(ES / "docids.txt")}
    cols.update({s: read_lines(ES / f"hyp.{s}.en") for s in SYSTEMS})
    return [dict(zip(cols, values)) for values in zip(*cols.values())]


def _text_testset():
    spec = TestSetSpec(name="t", langs="es-en", source=str(ES / "source.es"), references={"A": str(ES / "ref.A.en")},
                       systems=str(ES / "hyp.*.en"), doc_ids=str(ES / "docids.txt"))
    return load_testset(spec, CORPORA)


def _same(ts, expected):
    assert ts.source == expected.source
    assert ts.references == expected.references
    assert ts.systems == {s: expected.systems[s] for s in ts.systems} and set(ts.systems) == set(SYSTEMS)
    assert ts.doc_ids == expected.doc_ids


def test_tsv_and_jsonl(tmp_path):
    expected = _text_testset()
    rows = _rows()
    tsv = tmp_path / "data.tsv"
    lines = ["\t".join(rows[0])] + ["\t".join(r.values()) for r in rows]
    tsv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    jsonl = tmp_path / "data.jsonl"
    jsonl.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    for fmt, path in (("tsv", tsv), ("jsonl", jsonl)):
        spec = TestSetSpec(name="t", langs="es-en", format=fmt, path=str(path), columns=_columns())
        _same(load_testset(spec, tmp_path), expected)


def test_tabular_errors_name_the_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"src": "a", "ref": "b"}\n{"src": "a", "ref": \n', encoding="utf-8")
    spec = TestSetSpec(name="t", langs="es-en", format="jsonl", path=str(bad), columns={"source": "src", "references": {"A": "ref"}})
    with pytest.raises(UserError, match=r"bad.jsonl:2: invalid JSON"):
        load_testset(spec, tmp_path)
    missing = tmp_path / "m.jsonl"
    missing.write_text('{"src": "a"}\n', encoding="utf-8")
    spec = TestSetSpec(name="t", langs="es-en", format="jsonl", path=str(missing), columns={"source": "src", "references": {"A": "ref"}})
    with pytest.raises(UserError, match=r"m.jsonl:1: no column 'ref'"):
        load_testset(spec, tmp_path)


def test_hugging_face_saved_dataset_and_data_file(tmp_path):
    datasets = pytest.importorskip("datasets")
    expected = _text_testset()
    ds = datasets.Dataset.from_list(_rows())
    ds.save_to_disk(str(tmp_path / "saved"))
    spec = TestSetSpec(name="t", langs="es-en", format="hf", path=str(tmp_path / "saved"), columns=_columns())
    _same(load_testset(spec, tmp_path), expected)
    datasets.DatasetDict({"test": ds}).save_to_disk(str(tmp_path / "saved_dict"))
    spec = TestSetSpec(name="t", langs="es-en", format="hf", path=str(tmp_path / "saved_dict"), columns=_columns())
    _same(load_testset(spec, tmp_path), expected)
    ds.to_json(str(tmp_path / "data.jsonl"), force_ascii=False)
    spec = TestSetSpec(name="t", langs="es-en", format="hf", path=str(tmp_path / "data.jsonl"), columns=_columns())
    _same(load_testset(spec, tmp_path), expected)


def _offline_hosts(monkeypatch):
    """This machine reaches no hub; make that certain (and instant) on any machine."""
    import socket

    def refuse(*args, **kwargs):
        raise OSError("network unreachable")

    monkeypatch.setattr(socket, "create_connection", refuse)


def test_hub_dataset_offline_fails_fast(tmp_path, monkeypatch):
    _offline_hosts(monkeypatch)
    spec = TestSetSpec(name="t", langs="de-en", format="hf", path="wmt/wmt19", subset="de-en", columns=_columns())
    start = time.time()
    with pytest.raises(UserError, match="needs the network.*unreachable.*local"):
        load_testset(spec, tmp_path)
    assert time.time() - start < 10


def test_sacrebleu_named_set_offline_fails_fast(tmp_path, monkeypatch, cli):
    monkeypatch.setenv("SACREBLEU", str(tmp_path / "sacrebleu-home"))
    _offline_hosts(monkeypatch)
    config = tmp_path / "c.yaml"
    config.write_text(f"name: x\ntestsets:\n  - {{name: t, langs: de-en, format: sacrebleu, path: 'sacrebleu:wmt22:de-en', systems: {{s: {ES / 'hyp.strong.en'}}}}}\n")
    start = time.time()
    code, _, err = cli("run", config, "--out", tmp_path / "out")
    assert code == 2 and "sacreBLEU test set wmt22 needs the network" in err
    assert time.time() - start < 10


def test_sacrebleu_named_set_unknown(tmp_path, cli):
    config = tmp_path / "c.yaml"
    config.write_text("name: x\ntestsets:\n  - {name: t, langs: de-en, format: sacrebleu, path: 'sacrebleu:wmt99:de-en'}\n")
    code, _, err = cli("run", config, "--out", tmp_path / "out")
    assert code == 2 and "no test set 'wmt99'" in err


def test_real_network_check_does_not_hang():
    """Without any patching: this machine is offline for hubs, and the check
    must answer within its timeout either way."""
    from eval.net import TIMEOUT_S, require_reachable

    start = time.time()
    try:
        require_reachable("https://huggingface.co", "probe", "use a local path")
    except UserError as exc:
        assert "unreachable" in str(exc)
    assert time.time() - start < TIMEOUT_S * 3
