"""``mteval score``: output shapes, naming, and every bad input it must refuse
with exit status 2 and one line naming the file, line or option."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sacrebleu.metrics import BLEU, CHRF, TER

from conftest import CORPORA

ES = CORPORA / "es-en"
HYPS = [ES / "hyp.strong.en", ES / "hyp.literal.en", ES / "hyp.scraped.en"]


def _score(cli, *extra):
    return cli("score", "--src", ES / "source.es", "--refs", ES / "ref.A.en", "--hyps", *HYPS, "--langs", "es-en", *extra)


def test_json_output_matches_sacrebleu(cli):
    code, out, _ = _score(cli, "--format", "json", "--metrics", "bleu,chrf,chrf++,ter")
    assert code == 0
    data = json.loads(out)
    ref = [l.rstrip() for l in open(ES / "ref.A.en", encoding="utf-8")]
    for path in HYPS:
        hyp = [l.rstrip() for l in open(path, encoding="utf-8")]
        entry = data["systems"][path.name]
        for name, metric in (("bleu", BLEU()), ("chrf", CHRF()), ("chrf++", CHRF(word_order=2)), ("ter", TER())):
            expected = metric.corpus_score(hyp, [ref])
            assert entry[name]["score"] == pytest.approx(expected.score, abs=1e-9)
            assert entry[name]["signature"] == metric.get_signature().format()


def test_names_and_table(cli):
    code, out, _ = _score(cli, "--names", "strong", "literal", "scraped", "-m", "bleu")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["system", "bleu"]
    assert [l.split()[0] for l in lines[1:4]] == ["strong", "literal", "scraped"]
    assert "tok:13a" in out


def test_out_writes_a_run_directory(cli, tmp_path):
    code, _, _ = _score(cli, "--out", tmp_path / "run", "-m", "bleu,ter")
    assert code == 0
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert set(results["testsets"]["cli"]["systems"]) == {p.name for p in HYPS}
    for name in ("segments.parquet", "texts.parquet", "stats.npz", "leaderboard.csv", "leaderboard.md"):
        assert (tmp_path / "run" / name).exists()


def test_console_script_runs():
    proc = subprocess.run([sys.executable, "-m", "eval.cli", "score", "--refs", ES / "ref.A.en", "--hyps", HYPS[0],
                           "--langs", "es-en", "-m", "bleu", "-f", "json", "--cache", "off"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "bleu" in json.loads(proc.stdout)["systems"]["hyp.strong.en"]


def _fails(cli, args, *needles):
    code, out, err = cli(*args)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert str(needle) in lines[0], (needle, lines[0])
    return lines[0]


def test_line_count_mismatch_names_files_and_counts(cli, tmp_path):
    short = tmp_path / "short.en"
    short.write_text("one line\n", encoding="utf-8")
    _fails(cli, ["score", "--src", ES / "source.es", "--refs", ES / "ref.A.en", "--hyps", short, "--langs", "es-en"],
           short, "1 lines", "source.es", "34")


def test_invalid_utf8_names_file_and_line(cli, tmp_path):
    bad = tmp_path / "bad.en"
    bad.write_bytes(b"fine line\nsecond \xff\xfe line\n")
    _fails(cli, ["score", "--refs", ES / "ref.A.en", "--hyps", bad, "--langs", "es-en"], f"{bad}:2", "UTF-8")


@pytest.mark.parametrize(("data", "kind"), [("ok\nline two\n".encode("utf-16"), "UTF-16 text"),
                                            (b"ok\n\x89PNG\x00\x00\x00\rIHDR\n", "a binary file")])
def test_utf16_and_binary_files_are_named(cli, tmp_path, data, kind):
    bad = tmp_path / "bad.en"
    bad.write_bytes(data)
    _fails(cli, ["score", "--refs", ES / "ref.A.en", "--hyps", bad, "--langs", "es-en"], f"{bad}:", kind)


def test_missing_and_empty_files(cli, tmp_path):
    _fails(cli, ["score", "--refs", ES / "ref.A.en", "--hyps", tmp_path / "nope.en", "--langs", "es-en"], "nope.en", "not found")
    empty = tmp_path / "empty.en"
    empty.write_text("", encoding="utf-8")
    _fails(cli, ["score", "--refs", ES / "ref.A.en", "--hyps", empty, "--langs", "es-en"], "empty.en", "empty")


def test_unknown_metric_and_option(cli):
    _fails(cli, ["score", "--refs", ES / "ref.A.en", "--hyps", HYPS[0], "--langs", "es-en", "-m", "blue"], "blue", "unknown metric")
    _fails(cli, ["score", "--refs", ES / "ref.A.en", "--hyps", HYPS[0], "--langs", "es-en", "-m", "bleu",
                 "-o", "bleu.tokenise=intl"], "tokenise", "unknown option")
    _fails(cli, ["score", "--refs", ES / "ref.A.en", "--hyps", HYPS[0], "--langs", "es-en", "-m", "bleu",
                 "--tokenize", "klingon"], "klingon")
    _fails(cli, ["score", "--refs", ES / "ref.A.en", "--hyps", HYPS[0], "--langs", "es-en", "--bogus"], "--bogus")


@pytest.mark.parametrize("langs,needle", [("xx-en", "unknown language code 'xx'"), ("es_en", "malformed"), ("english-german", "malformed")])
def test_bad_language_codes(cli, langs, needle):
    _fails(cli, ["score", "--refs", ES / "ref.A.en", "--hyps", HYPS[0], "--langs", langs], needle)


def test_duplicate_system_names(cli, tmp_path):
    other = tmp_path / "hyp.strong.en"
    other.write_bytes(HYPS[0].read_bytes())
    _fails(cli, ["score", "--refs", ES / "ref.A.en", "--hyps", HYPS[0], other, "--langs", "es-en"], "duplicate system name", "hyp.strong.en")
    _fails(cli, ["score", "--refs", ES / "ref.A.en", "--hyps", HYPS[0], HYPS[1], "--names", "a", "a", "--langs", "es-en"], "duplicate system name 'a'")


def test_debug_shows_traceback(cli):
    with pytest.raises(Exception):
        cli("--debug", "score", "--refs", ES / "ref.A.en", "--hyps", HYPS[0], "--langs", "es-en", "-m", "blue")


def test_significance_fields_in_json(cli):
    code, out, _ = _score(cli, "-f", "json", "-m", "bleu,ter", "--paired-bs", "--confidence", "--baseline", "hyp.literal.en")
    assert code == 0
    systems = json.loads(out)["systems"]
    assert "p_value" not in systems["hyp.literal.en"]["bleu"]
    for name in ("hyp.strong.en", "hyp.scraped.en"):
        for metric in ("bleu", "ter"):
            entry = systems[name][metric]
            assert 0 < entry["p_value"] <= 1 and entry["ci"][0] <= entry["score"] <= entry["ci"][1]
    assert systems["hyp.strong.en"]["bleu"]["cluster"] == 1 and systems["hyp.scraped.en"]["ter"]["cluster"] == 3


def test_unknown_baseline(cli):
    _fails(cli, ["score", "--refs", ES / "ref.A.en", "--hyps", *HYPS, "--langs", "es-en", "--paired-ar", "--baseline", "nobody"],
           "unknown baseline system 'nobody'")


def test_tokenizer_needing_a_download_fails_cleanly_offline(cli, monkeypatch, tmp_path):
    import urllib.request

    def offline(*args, **kwargs):
        raise urllib.error.URLError("network unreachable")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    monkeypatch.setenv("SACREBLEU", str(tmp_path))
    _fails(cli, ["score", "--refs", ES / "ref.A.en", "--hyps", HYPS[0], "--langs", "es-en", "-m", "bleu",
                 "--tokenize", "flores200"], "could not be fetched", "run once online")
