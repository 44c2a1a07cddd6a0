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


# ---- WMT XML: no segment is dropped without a word ----

def _wmt_xml(tmp_path, docs: str):
    path = tmp_path / "test.xml"
    path.write_text(f'<dataset id="t"><collection id="c">{docs}</collection></dataset>', encoding="utf-8")
    return path


def _doc(doc_id: str, src_ids, hyps=(("s", None),), ref_ids=None):
    segs = lambda ids: "".join(f'<seg id="{i}">text {i}</seg>' for i in ids)  # noqa: E731
    ref = f'<ref translator="A"><p>{segs(ref_ids or src_ids)}</p></ref>'
    hyp = "".join(f'<hyp system="{name}"><p>{segs(ids or src_ids)}</p></hyp>' for name, ids in hyps)
    return f'<doc id="{doc_id}"><src lang="de"><p>{segs(src_ids)}</p></src>{ref}{hyp}</doc>'


@pytest.mark.parametrize(("docs", "needles"), [
    (_doc("d1", ["1"]) + _doc("d2", ["1", "2", "2"]), ["document 'd2': <src>", "duplicate segment id '2'"]),
    (_doc("d1", ["1", "2"], ref_ids=["1", "2", "1"]), ["document 'd1': <ref translator='A'>", "duplicate segment id '1'"]),
    (_doc("d1", ["1"]) + _doc("d2", ["1"], hyps=(("s", None), ("s", None))), ["document 'd2' has more than one <hyp system='s'>"]),
    (_doc("d1", ["1", "2"], hyps=(("s", ["1", "2", "3"]),)), ["<hyp system='s'> has segment id '3', which the <src> lacks"]),
    ('<doc id="d1"><src lang="de"><p><seg>no id</seg></p></src></doc>', ["document 'd1': <src>", "a <seg> has no id"]),
])
def test_wmt_xml_duplicates_and_stray_ids(tmp_path, cli, docs, needles):
    path = _wmt_xml(tmp_path, docs)
    config = tmp_path / "c.yaml"
    config.write_text(f"name: x\ntestsets:\n  - {{name: t, langs: de-en, format: wmt-xml, path: {path}}}\n")
    code, _, err = cli("run", config, "--out", tmp_path / "out")
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, err
    for needle in [str(path), *needles]:
        assert needle in lines[0], (needle, lines[0])


def test_wmt_xml_well_formed_still_loads(tmp_path):
    path = _wmt_xml(tmp_path, _doc("d1", ["1", "2"], hyps=(("s", None), ("t", None))) + _doc("d2", ["1"], hyps=(("s", None), ("t", None))))
    ts = load_testset(TestSetSpec(name="t", langs="de-en", format="wmt-xml", path=str(path)), tmp_path)
    assert ts.source == ["text 1", "text 2", "text 1"] and ts.doc_ids == ["d1", "d1", "d2"] and set(ts.systems) == {"s", "t"}


# ---- JSONL / HF cells: text, never a stringified structure ----

@pytest.mark.parametrize(("cell", "kind"), [(["a", "b"], "a list"), ({"text": "a"}, "an object"), (True, "a boolean"),
                                            (1.5, "a decimal number")])
def test_jsonl_structured_cells_are_refused(tmp_path, cell, kind):
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps({"src": "a", "ref": "b"}) + "\n" + json.dumps({"src": "c", "ref": cell}) + "\n", encoding="utf-8")
    spec = TestSetSpec(name="t", langs="es-en", format="jsonl", path=str(path), columns={"source": "src", "references": {"A": "ref"}})
    with pytest.raises(UserError, match=rf"d.jsonl:2: column 'ref' holds {kind}, expected text"):
        load_testset(spec, tmp_path)


def test_jsonl_ids_and_nulls_are_read(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"src": "a", "ref": "b", "doc": 17}\n{"src": "c", "ref": null, "doc": 17}\n', encoding="utf-8")
    spec = TestSetSpec(name="t", langs="es-en", format="jsonl", path=str(path),
                       columns={"source": "src", "references": {"A": "ref"}, "doc_id": "doc"})
    ts = load_testset(spec, tmp_path)
    assert ts.references["A"] == ["b", ""] and ts.doc_ids == ["17", "17"]


# ---- HF: local paths never touch the network ----

@pytest.fixture
def network_watch(monkeypatch):
    """Record (and refuse) every name lookup and connection, with HF_HUB_OFFLINE
    unset as far as ``datasets`` knows."""
    import socket

    datasets = pytest.importorskip("datasets")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("HF_DATASETS_OFFLINE", raising=False)
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(datasets.config, "HF_UPDATE_DOWNLOAD_COUNTS", True)
    calls = []

    def refuse(*args, **kwargs):
        calls.append(args[:2])
        raise OSError("network access in a test of a local load")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", lambda self, *a: refuse(*a))
    return calls


def test_hf_local_data_file_resolves_no_host(tmp_path, network_watch):
    path = tmp_path / "data.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in _rows()), encoding="utf-8")
    spec = TestSetSpec(name="t", langs="es-en", format="hf", path=str(path), columns=_columns())
    _same(load_testset(spec, tmp_path), _text_testset())
    assert network_watch == []


@pytest.mark.parametrize("value", ["/nowhere/data.jsonl", "./missing", "data/test.jsonl", "a/b/c"])
def test_hf_missing_local_path_is_not_found_not_offline(tmp_path, network_watch, value):
    spec = TestSetSpec(name="t", langs="es-en", format="hf", path=value, columns=_columns())
    with pytest.raises(UserError, match="file not found") as err:
        load_testset(spec, tmp_path)
    assert "network" not in str(err.value) and network_watch == []


def test_a_column_may_serve_twice(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"src": "a", "ref": "b"}\n{"src": "c", "ref": "d"}\n', encoding="utf-8")
    spec = TestSetSpec(name="t", langs="es-en", format="jsonl", path=str(path),
                       columns={"source": "src", "references": {"A": "ref"}, "systems": {"copy": "ref"}})
    ts = load_testset(spec, tmp_path)
    assert ts.references["A"] == ts.systems["copy"] == ["b", "d"]
