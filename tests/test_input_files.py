"""Every loader reads its files through one helper (eval/corpora/files.py):
a byte-order mark is kept as sacreBLEU keeps it, and whatever cannot be read
as a text file (missing, unreadable, in an unreadable folder, a folder, a FIFO,
a device, a line without end) is one line naming the file, exit status 2."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sacrebleu.metrics import BLEU, CHRF

from conftest import CORPORA, ROOT, wmt22_txt
from eval.config import TestSetSpec
from eval.corpora import load_testset
from eval.corpora.files import MAX_LINE_BYTES, read_lines
from eval.errors import UserError

ES = CORPORA / "es-en"
BOM = "\ufeff"


def _fails(cli, args, *needles):
    code, _, err = cli(*args)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, err
    for needle in needles:
        assert str(needle) in lines[0], (needle, lines[0])
    return lines[0]


def _score_args(hyp, ref=ES / "ref.A.en"):
    return ["score", "--refs", ref, "--hyps", hyp, "--langs", "es-en", "-m", "bleu", "--cache", "off"]


def _with_bom(path, out):
    out.write_bytes(BOM.encode("utf-8") + path.read_bytes())
    return out


# ---- byte-order marks: kept, so scores equal sacreBLEU's ----

def test_bom_kept_so_scores_equal_sacrebleu_on_a_wmt22_output(cli, tmp_path):
    files = wmt22_txt("de-en")
    hyp = _with_bom(files["systems"]["LT22"], tmp_path / "LT22.en")
    ref = _with_bom(files["references"]["A"], tmp_path / "ref.A.en")
    code, out, err = cli("score", "--refs", ref, "--hyps", hyp, "--langs", "de-en", "-m", "bleu,chrf",
                         "-f", "json", "--cache", "off", "--out", tmp_path / "run")
    assert code == 0, err
    # sacreBLEU's command line reads files as plain utf-8: the mark stays in line 1
    hyps = [line.rstrip() for line in open(hyp, encoding="utf-8")]
    refs = [line.rstrip() for line in open(ref, encoding="utf-8")]
    assert hyps[0].startswith(BOM) and refs[0].startswith(BOM)
    scores = json.loads(out)["systems"]["LT22.en"]
    bleu, chrf = BLEU().corpus_score(hyps, [refs]).score, CHRF().corpus_score(hyps, [refs]).score
    assert scores["bleu"]["score"] == pytest.approx(bleu, abs=1e-9)
    assert scores["chrf"]["score"] == pytest.approx(chrf, abs=1e-9)
    # stripping the marks would be visible at this tolerance (it moves BLEU by ~1e-3)
    assert abs(BLEU().corpus_score([h.lstrip(BOM) for h in hyps], [refs]).score - bleu) > 1e-4
    # said once per file, on stderr and in the run's notes
    assert err.count("byte-order mark") == 2 and str(hyp) in err and str(ref) in err
    notes = json.loads((tmp_path / "run" / "results.json").read_text())["testsets"]["cli"]["notes"]
    assert len(notes) == 2 and all("kept" in note for note in notes)


def _spec(tmp_path, **kwargs):
    return TestSetSpec(name="t", langs="es-en", **kwargs)


def test_bom_in_text_tsv_jsonl_and_xml_loaders(tmp_path, capsys):
    source, ref = read_lines(ES / "source.es"), read_lines(ES / "ref.A.en")
    _with_bom(ES / "hyp.strong.en", tmp_path / "hyp.strong.en")
    ts = load_testset(_spec(tmp_path, source=str(ES / "source.es"), references={"A": str(ES / "ref.A.en")},
                            systems=str(tmp_path / "hyp.*.en")), tmp_path)
    assert ts.systems["strong"][0] == BOM + read_lines(ES / "hyp.strong.en")[0]
    assert [n for n in ts.notes["notes"] if "kept" in n] == [f"{tmp_path / 'hyp.strong.en'} starts with a "
                                                            "byte-order mark (U+FEFF); it is kept in the first "
                                                            "segment, as sacreBLEU keeps it"]
    rows = list(zip(source, ref))
    # TSV without a header: the mark is part of the first cell, as in the file
    plain = tmp_path / "plain.tsv"
    plain.write_text(BOM + "".join(f"{s}\t{r}\n" for s, r in rows), encoding="utf-8")
    ts = load_testset(_spec(tmp_path, format="tsv", path=str(plain), header=False,
                            columns={"source": "0", "references": {"A": "1"}}), tmp_path)
    assert ts.source[0] == BOM + source[0] and ts.references["A"] == ref and len(ts.notes["notes"]) == 1
    # before a header or a JSON object the mark is in no value: noted, not kept
    headed = tmp_path / "headed.tsv"
    headed.write_text(BOM + "src\tref\n" + "".join(f"{s}\t{r}\n" for s, r in rows), encoding="utf-8")
    jsonl = tmp_path / "data.jsonl"
    jsonl.write_text(BOM + "".join(json.dumps({"src": s, "ref": r}) + "\n" for s, r in rows), encoding="utf-8")
    for fmt, path in (("tsv", headed), ("jsonl", jsonl)):
        ts = load_testset(_spec(tmp_path, format=fmt, path=str(path), columns={"source": "src", "references": {"A": "ref"}}),
                          tmp_path)
        assert ts.source == source and ts.references["A"] == ref
        assert ts.notes["notes"] == [ts.notes["notes"][0]] and "no " in ts.notes["notes"][0] and str(path) in ts.notes["notes"][0]
    # WMT XML: the mark is XML's own encoding signature, outside every <seg>
    xml = tmp_path / "t.xml"
    xml.write_text(BOM + '<dataset><doc id="d"><src lang="es"><p><seg id="1">uno</seg></p></src>'
                   '<ref translator="A"><p><seg id="1">one</seg></p></ref></doc></dataset>', encoding="utf-8")
    ts = load_testset(_spec(tmp_path, format="wmt-xml", path=str(xml)), tmp_path)
    assert ts.source == ["uno"] and ts.references == {"A": ["one"]}
    assert capsys.readouterr().err.count("byte-order mark") == 4  # text, plain TSV, headed TSV, JSONL: once each


def test_config_file_with_bom_still_reads(cli, tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text(BOM + f"name: x\ntestsets:\n  - {{name: t, langs: es-en, source: {ES / 'source.es'}, "
                      f"references: {ES / 'ref.A.en'}, systems: {{s: {ES / 'hyp.strong.en'}}}}}\nmetrics: [bleu]\n",
                      encoding="utf-8")
    code, _, err = cli("run", config, "--out", tmp_path / "out")
    assert code == 0, err
    assert json.loads((tmp_path / "out" / "results.json").read_text())["name"] == "x"


def test_file_holding_only_a_bom_is_empty(cli, tmp_path):
    only = tmp_path / "only.en"
    only.write_text(BOM + "\n", encoding="utf-8")
    _fails(cli, _score_args(only), only, "empty")


# ---- what is not a readable text file ----

def test_folder_given_as_a_file(cli, tmp_path):
    _fails(cli, _score_args(tmp_path), tmp_path, "is a directory")


def _cap_memory():
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))


def test_device_is_refused_before_reading():
    """In a child with 3 GB of address space: reading /dev/zero must never
    start, and if it did, the child (not the machine) runs out of memory."""
    proc = subprocess.run([sys.executable, "-m", "eval.cli", *map(str, _score_args("/dev/zero"))], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=120,
                          preexec_fn=_cap_memory)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1, proc.stderr
    assert "/dev/zero: is a character device, not a regular file" in lines[0]


class _Hang(Exception):
    pass


def _alarm(signum, frame):
    raise _Hang


@pytest.fixture
def no_hang():
    """Fail (instead of hanging forever) when a read blocks."""
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def _every_loader(tmp_path, victim):
    """A config test set for each format, each reading ``victim`` as its file."""
    cols = {"source": "src", "references": {"A": "ref"}}
    text = {"source": str(ES / "source.es"), "references": {"A": str(ES / "ref.A.en")}}
    return {
        "text-source": _spec(tmp_path, source=str(victim), references={"A": str(ES / "ref.A.en")}),
        "text-system": _spec(tmp_path, **text, systems={"s": str(victim)}),
        "tsv": _spec(tmp_path, format="tsv", path=str(victim), columns=cols),
        "jsonl": _spec(tmp_path, format="jsonl", path=str(victim), columns=cols),
        "wmt-xml": _spec(tmp_path, format="wmt-xml", path=str(victim)),
        "hf": _spec(tmp_path, format="hf", path=str(victim), columns=cols),
        "document-system": _spec(tmp_path, **text, systems={"s": str(victim)}, hyp_format="document"),
    }


@pytest.mark.parametrize("loader", ["text-source", "text-system", "tsv", "jsonl", "wmt-xml", "hf", "document-system"])
def test_fifo_is_refused_at_once_by_every_loader(tmp_path, no_hang, loader):
    from eval.prepare import load_prepared

    fifo = tmp_path / "data.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(UserError, match=r"data.jsonl: is a FIFO, not a regular file"):
        load_prepared(_every_loader(tmp_path, fifo)[loader], tmp_path)


def test_fifo_on_the_command_line(cli, tmp_path, no_hang):
    fifo = tmp_path / "hyp.en"
    os.mkfifo(fifo)
    _fails(cli, _score_args(fifo), fifo, "FIFO")


def test_line_longer_than_the_limit_names_file_and_line(cli, tmp_path):
    long = tmp_path / "long.en"
    long.write_bytes(b"short\n" + b"x" * (MAX_LINE_BYTES + 1) + b"\nshort\n")
    _fails(cli, _score_args(long), f"{long}:2", "longer than the limit")
    fits = tmp_path / "fits.en"
    fits.write_bytes(b"x" * MAX_LINE_BYTES + b"\n")
    assert read_lines(fits) == ["x" * MAX_LINE_BYTES]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([b"a", b"\xc3\xa9", b"\n"]), max_size=80).map(b"".join), st.integers(1, 12))
def test_line_check_finds_the_first_long_line(data, limit):
    """The block-skipping check agrees with measuring every line."""
    from eval.corpora.files import check_line_lengths

    first = next((n for n, line in enumerate(data.split(b"\n"), 1) if len(line) > limit), None)
    try:
        check_line_lengths(data, "f", limit)
        found = None
    except UserError as exc:
        found = int(str(exc).split(":")[1])
    assert found == first


def test_line_bound_holds_in_every_line_based_loader(tmp_path):
    from eval.prepare import load_prepared

    long = tmp_path / "data.jsonl"
    long.write_bytes(b"{}\n" + b" " * (MAX_LINE_BYTES + 1) + b"\n")
    for loader, spec in _every_loader(tmp_path, long).items():
        if loader in ("wmt-xml", "hf"):  # parsed by XML / datasets, not line by line
            continue
        with pytest.raises(UserError, match=r"data.jsonl:2: line of .* longer than the limit"):
            load_prepared(spec, tmp_path)


def test_jsonl_nested_too_deeply(tmp_path):
    deep = tmp_path / "deep.jsonl"
    deep.write_text('{"src": ' + "[" * 200_000 + "]" * 200_000 + "}\n", encoding="utf-8")
    spec = _spec(tmp_path, format="jsonl", path=str(deep), columns={"source": "src", "references": {"A": "ref"}})
    with pytest.raises(UserError, match=r"deep.jsonl:1: JSON nested too deeply"):
        load_testset(spec, tmp_path)


# ---- permissions (root ignores them: its check runs without the capabilities that override them) ----

PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 24, 1, 2


def _drop_override():
    """In the child before exec: as root, drop the capabilities that bypass
    file permissions from the bounding set, so the exec'd program lacks them."""
    if os.geteuid() == 0:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
            if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
                os._exit(77)


def _as_unprivileged(args, cwd):
    """Run ``python -m eval.cli ARGS`` so that file permissions apply to it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run([sys.executable, "-m", "eval.cli", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, preexec_fn=_drop_override)
    if proc.returncode == 77:
        pytest.skip("running as root without the right to drop CAP_DAC_OVERRIDE: permissions cannot be tested")
    return proc


@pytest.fixture
def shared_tmp():
    """A folder the unprivileged user can use (pytest's base folder may be private)."""
    folder = Path(tempfile.mkdtemp(prefix="mteval-perm-"))
    os.chmod(folder, 0o777)
    yield folder
    for root, dirs, _ in os.walk(folder):
        for d in dirs:
            os.chmod(os.path.join(root, d), 0o755)
    shutil.rmtree(folder)


def test_unreadable_file_and_file_in_unreadable_folder(shared_tmp):
    locked = shared_tmp / "locked"
    locked.mkdir()
    inside = locked / "hyp.en"
    inside.write_bytes((ES / "hyp.strong.en").read_bytes())
    unreadable = shared_tmp / "unreadable.en"
    unreadable.write_bytes((ES / "hyp.strong.en").read_bytes())
    os.chmod(unreadable, 0)
    os.chmod(locked, 0)
    config = shared_tmp / "c.yaml"
    config.write_text(f"name: x\ntestsets:\n  - {{name: t, langs: es-en, source: {ES / 'source.es'}, references: "
                      f"{ES / 'ref.A.en'}, systems: {{s: {inside}}}}}\nmetrics: [bleu]\ncache: 'off'\nhistory: 'off'\n")
    os.chmod(config, 0o644)
    runs = [
        (inside, ["score", "--refs", ES / "ref.A.en", "--hyps", inside, "--langs", "es-en", "--cache", "off"]),
        (unreadable, ["score", "--refs", ES / "ref.A.en", "--hyps", unreadable, "--langs", "es-en", "--cache", "off"]),
        (inside, ["run", config, "--out", shared_tmp / "out"]),
        (locked, ["run", _doc_config(shared_tmp, locked), "--out", shared_tmp / "out2"]),
        (locked, ["run", _glob_config(shared_tmp, locked), "--out", shared_tmp / "out3"]),
    ]
    for path, args in runs:
        proc = _as_unprivileged(args, shared_tmp)
        lines = proc.stderr.strip().splitlines()
        assert proc.returncode == 2 and len(lines) == 1, proc.stderr
        assert f"{path}: cannot read (Permission denied)" in lines[0], lines[0]


def _glob_config(folder, systems):
    """Systems found by a glob in a folder that cannot be listed."""
    config = folder / "glob.yaml"
    config.write_text(f"name: z\ntestsets:\n  - {{name: t, langs: es-en, source: {ES / 'source.es'}, references: "
                      f"{ES / 'ref.A.en'}, systems: '{systems}/*.en'}}\nmetrics: [bleu]\ncache: 'off'\nhistory: 'off'\n")
    os.chmod(config, 0o644)
    return config


def _doc_config(folder, documents):
    """Outputs given as a folder of documents that cannot be looked into."""
    config = folder / "docs.yaml"
    config.write_text(f"name: y\ntestsets:\n  - {{name: t, langs: es-en, source: {ES / 'source.es'}, references: "
                      f"{ES / 'ref.A.en'}, doc_ids: {ES / 'docids.txt'}, hyp_format: document, "
                      f"systems: {{s: {documents}}}}}\nmetrics: [bleu]\ncache: 'off'\nhistory: 'off'\n")
    os.chmod(config, 0o644)
    return config


def test_config_on_one_long_line_is_not_line_bounded(cli, tmp_path):
    """A config may be JSON on one line; only inputs have the line bound."""
    testset = {"name": "t", "langs": "es-en", "source": str(ES / "source.es"), "references": str(ES / "ref.A.en"),
               "systems": {"s": str(ES / "hyp.strong.en")}, "label": "x" * MAX_LINE_BYTES}
    config = tmp_path / "c.yaml"
    config.write_text(json.dumps({"name": "x", "testsets": [testset], "metrics": ["bleu"]}), encoding="utf-8")
    _, _, err = cli("run", config, "--out", tmp_path / "out")
    assert "longer than the limit" not in err and "label" in err  # reaches schema validation
