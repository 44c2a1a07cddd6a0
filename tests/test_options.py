"""Strict option parsing: metric options (``-o`` and config metric dicts), config
keys and numeric command-line flags. A value that is not what the option
expects is exit 2 with one line naming the option (or the config file and key
path), never silently read as something else."""
from __future__ import annotations

import json

import pytest
from sacrebleu.metrics import BLEU

from conftest import CORPORA
from eval.config import load_config
from eval.metrics import known_metrics
from eval.metrics.options import OptionError, metric_class, parse_metric_options

ES = CORPORA / "es-en"
HYPS = [ES / "hyp.strong.en", ES / "hyp.literal.en"]


def _score(cli, *extra):
    return cli("score", "--src", ES / "source.es", "--refs", ES / "ref.A.en", "--hyps", *HYPS,
               "--langs", "es-en", "--format", "json", *extra)


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


# -- -o METRIC.KEY=VALUE ------------------------------------------------------

@pytest.mark.parametrize("metric,option,expected", [
    ("bleu", "bleu.lowercase=off", "expected a boolean"),  # was: scored lowercased (case:lc)
    ("bleu", "bleu.force=maybe", "expected a boolean"),
    ("ter", "ter.normalized=maybe", "expected a boolean"),  # was: signature norm:maybe
    ("ter", "ter.case_sensitive=maybe", "expected a boolean"),
    ("chrf", "chrf.eps_smoothing=maybe", "expected a boolean"),
    ("chrf", "chrf.whitespace=2", "expected a boolean"),
    ("chrf", "chrf.char_order=abc", "expected an integer from 0 to 64"),  # was: a Python concatenation error
    ("chrf", "chrf.beta=1.5", "expected a non-negative integer"),
    ("bleu", "bleu.smooth_value=abc", "expected a number >= 0"),  # was: silently ignored
    ("bleu", "bleu.smooth_value=nan", "expected a number >= 0"),
    ("bleu", "bleu.smooth_method=nope", "expected one of none, floor, add-k, exp"),  # was: {self.smooth_method!r}
    ("bleu", "bleu.tokenize=nope", "expected one of none, zh, 13a"),
    ("bleu", "bleu.max_ngram_order=0", "expected an integer from 1 to 64"),
    ("bleu", "bleu.engine=turbo", "expected one of auto, fast, sacrebleu"),
    ("bleu", "bleu.label=", "expected non-empty text"),
    ("bertscore", "bertscore.idf=maybe", "expected a boolean"),
    ("bertscore", "bertscore.score=F2", "expected one of f1, precision, recall"),
    ("bertscore", "bertscore.layer=-1", "expected a non-negative integer"),
    ("bertscore", "bertscore.baseline=1", "expected a number < 1"),
    ("comet", "comet.batch_size=0", "expected a positive integer"),
    ("xsim", "xsim.baseline=high", "expected a number < 1"),
    ("offtarget", "offtarget.min_confidence=2", "expected a number from 0 to 1"),
    ("offtarget", "offtarget.min_chars=many", "expected a non-negative integer"),
])
def test_bad_metric_option_values_are_refused(cli, metric, option, expected):
    code, out, err = _score(cli, "-m", metric, "-o", option)
    line = _one_line(err)
    assert code == 2 and out == ""
    assert line.startswith(f"mteval: error: --option {option!r}: ") and expected in line, line
    assert "{self" not in line


@pytest.mark.parametrize("word,case", [("true", "lc"), ("YES", "lc"), ("1", "lc"), ("False", "mixed"),
                                       ("no", "mixed"), ("0", "mixed")])
def test_boolean_words_score_as_sacrebleu(cli, word, case):
    code, out, err = _score(cli, "-m", "bleu", "-o", f"bleu.lowercase={word}")
    assert code == 0, err
    entry = json.loads(out)["systems"]["hyp.strong.en"]["bleu"]
    hyp = [l.rstrip() for l in open(HYPS[0], encoding="utf-8")]
    ref = [l.rstrip() for l in open(ES / "ref.A.en", encoding="utf-8")]
    expected = BLEU(lowercase=case == "lc")
    assert f"case:{case}" in entry["signature"]
    assert entry["score"] == pytest.approx(expected.corpus_score(hyp, [ref]).score, abs=1e-9)


def test_numeric_options_are_typed(cli):
    code, out, err = _score(cli, "-m", "chrf", "-o", "chrf.char_order=4", "-o", "chrf.word_order=1")
    assert code == 0, err
    assert "nc:4|nw:1" in json.loads(out)["systems"]["hyp.strong.en"]["chrf"]["signature"]


def test_every_declared_option_accepts_text_and_refuses_garbage():
    """Each metric's option table: the text a user would write parses, a wrong word does not."""
    samples = {"FLAG": ("yes", True), "Integer": ("3", 3), "Number": ("0.5", 0.5), "Text": ("x", "x")}
    for name in known_metrics():
        for key, kind in metric_class(name).option_types.items():
            kind_name = "FLAG" if type(kind).__name__ == "Flag" else type(kind).__name__
            text, typed = (kind.values[-1], kind.values[-1]) if kind_name == "Choice" else samples[kind_name]
            assert parse_metric_options(name, {key: text}) == {key: typed}, (name, key)
            assert parse_metric_options(name, {key: typed}) == {key: typed}, "typed values stay as they are"
            if kind_name != "Text":
                with pytest.raises(OptionError) as info:
                    parse_metric_options(name, {key: "garbage"})
                assert info.value.key == key and "garbage" in info.value.reason


def test_typed_yaml_values_are_not_reinterpreted():
    with pytest.raises(OptionError, match="expected a boolean"):
        parse_metric_options("bleu", {"lowercase": 2})
    with pytest.raises(OptionError, match="expected an integer"):
        parse_metric_options("chrf", {"char_order": 4.0})
    with pytest.raises(OptionError, match="expected an integer"):
        parse_metric_options("chrf", {"char_order": True})
    with pytest.raises(OptionError, match="got null"):
        parse_metric_options("bleu", {"smooth_value": None})
    with pytest.raises(OptionError, match="expected non-empty text"):
        parse_metric_options("comet", {"model": ["a", "b"]})


# -- numeric command-line flags -----------------------------------------------

@pytest.mark.parametrize("args,flag", [
    (["--paired-bs", "--paired-n", "0"], "--paired-n"),  # was: silently the default
    (["--paired-bs", "--paired-n", "-5"], "--paired-n"),  # was: a ValueError traceback
    (["--paired-ar", "--paired-n", "1e3"], "--paired-n"),
    (["--jobs", "0"], "--jobs"),
    (["--jobs", "-3"], "--jobs"),
    (["--confidence", "--seed", "-1"], "--seed"),  # was: a numpy traceback
])
def test_score_numeric_flags(cli, args, flag):
    code, out, err = _score(cli, "-m", "bleu", *args)
    line = _one_line(err)
    assert code == 2 and f"argument {flag}" in line and "expected a" in line, line


@pytest.mark.parametrize("args,flag", [
    (["--alpha", "0"], "--alpha"), (["--alpha", "1"], "--alpha"), (["--alpha", "nan"], "--alpha"),
    (["--bootstrap-n", "0"], "--bootstrap-n"), (["--seed", "-2"], "--seed"),
    (["--max-drop", "bleu=inf"], "--max-drop"), (["--max-drop", "bleu=-1"], "--max-drop"),
])
def test_check_numeric_flags(cli, tmp_path, args, flag):
    code, _, err = cli("check", tmp_path / "a", "--baseline", tmp_path / "b", *args)
    line = _one_line(err)
    assert code == 2 and flag in line and "expected a" in line, line


def test_run_jobs_flag(cli, tmp_path):
    code, _, err = cli("run", tmp_path / "c.yaml", "--jobs", "0")
    assert code == 2 and "argument --jobs" in _one_line(err)


def test_seed_from_the_environment(cli, monkeypatch):
    monkeypatch.setenv("SACREBLEU_SEED", "abc")
    code, _, err = _score(cli, "-m", "bleu", "--confidence")
    assert code == 2 and "$SACREBLEU_SEED: expected a non-negative integer, got 'abc'" in _one_line(err)


# -- config files ---------------------------------------------------------------

GOOD_TS = (f"  - {{name: t, langs: es-en, source: {ES}/source.es, references: {ES}/ref.A.en, "
           f"systems: '{ES}/hyp.*.en'{{extra}}}}\n")


def _config(tmp_path, top: str = "", extra: str = ""):
    path = tmp_path / "x.yaml"
    path.write_text(f"name: x\n{top}testsets:\n" + GOOD_TS.replace("{extra}", extra), encoding="utf-8")
    return path


@pytest.mark.parametrize("top,extra,key,expected", [
    ("metrics: [{name: bleu, lowercase: 'off'}]\n", "", "metrics.0.lowercase", "expected a boolean"),
    ("metrics: [bleu, {name: ter, normalized: maybe}]\n", "", "metrics.1.normalized", "expected a boolean"),
    ("", ", metrics: [chrf, {name: chrf, char_order: abc}]", "testsets.0.metrics.1.char_order", "expected an integer"),
    ("", ", metrics: [{name: bleu, smooth_method: nope}]", "testsets.0.metrics.0.smooth_method", "expected one of"),
    ("metrics: [{name: bleu, lowercase: {a: [1, 2]}}]\n", "", "metrics.0.lowercase", "expected a boolean"),
    ("metrics: [{name: bleu, tokenise: intl}]\n", "", "metrics.0.tokenise", "unknown option 'tokenise'"),
    ("", ", metrics: [bleu, meteor]", "testsets.0.metrics.1", "unknown metric 'meteor'"),
    ("metrics: []\n", "", "metrics", "at least one metric"),  # was: a StopIteration traceback
    ("", ", metrics: []", "testsets.0.metrics", "at least one metric"),  # was: the top-level list, silently
    ("jobs: 0\n", "", "jobs", "expected a positive integer"),
    ("jobs: '4x'\n", "", "jobs", "expected a positive integer"),
    ("significance: {n: 0}\n", "", "significance.n", "expected a positive integer"),
    ("significance: {n: -5}\n", "", "significance.n", "expected a positive integer"),
    ("significance: {seed: -1}\n", "", "significance.seed", "expected a non-negative integer"),
    ("significance: {confidence: 'off'}\n", "", "significance.confidence", "expected a boolean"),
    ("", ", repair: 'maybe'", "testsets.0.repair", "expected a boolean"),
    ("", ", format: tsv, path: a.tsv, columns: {source: src, references: {A: ref}}, header: 'off'",
     "testsets.0.header", "expected a boolean"),
    ("cache: true\n", "", "cache", "valid string"),
])
def test_config_values_name_file_and_key_path(cli, tmp_path, top, extra, key, expected):
    path = _config(tmp_path, top, extra)
    code, _, err = cli("run", path, "--out", tmp_path / "out")
    line = _one_line(err)
    assert code == 2 and f"{path}: {key}: " in line and expected in line, line
    assert not (tmp_path / "out").exists(), "nothing runs before the config is valid"


def test_config_metric_options_are_typed_as_on_the_command_line(tmp_path):
    path = _config(tmp_path, "metrics: [{name: bleu, lowercase: 'yes', smooth_value: '0.5'}, "
                             "{name: ter, normalized: off}]\ncache: off\nhistory: off\n")
    config, _ = load_config(path)
    assert config.metrics[0].options == {"lowercase": True, "smooth_value": 0.5}
    assert config.metrics[1].options == {"normalized": False}, "unquoted off is YAML's false"
    assert config.cache == "off" and config.history == "off", "unquoted off means the setting 'off'"


def test_header_less_columns_are_numbered(tmp_path):
    path = _config(tmp_path, extra=", format: tsv, path: a.tsv, header: false, "
                                   "columns: {source: 0, references: {A: 1}, systems: {s: 2}}")
    columns = load_config(path)[0].testsets[0].columns
    assert (columns.source, columns.references, columns.systems) == ("0", {"A": "1"}, {"s": "2"})


def test_unmatched_glob_names_file_and_key_path(cli, tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("name: x\ntestsets:\n" + GOOD_TS.replace("{extra}", "")
                    + f"  - {{name: u, langs: es-en, source: {ES}/source.es, references: {ES}/ref.A.en, "
                      f"systems: '{ES}/nope.*.en'}}\n", encoding="utf-8")
    code, _, err = cli("run", path, "--out", tmp_path / "out")
    line = _one_line(err)
    assert code == 2 and f"{path}: testsets.1.systems: no file matches" in line, line
    assert not (tmp_path / "out").exists(), "found before the first test set runs"
