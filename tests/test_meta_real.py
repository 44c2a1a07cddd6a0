"""A real run against real human judgments: WMT21 en-de with its expert MQM
scores (the 8 systems that are both rated and in the run; ``Nemo`` in the MQM
file is ``NVIDIA-NeMo`` in the run). The system-level numbers are checked
against sacreBLEU's own corpus scores and plain numpy, so the whole path
(names, None = not rated, orientation, corpus scores) is tested on real data.
The full tables, with BERTScore and xsim, are in docs/METRIC_VALIDITY.md
(benchmarks/metric_validity.py)."""
from __future__ import annotations

import json

import numpy as np
import pytest
import sacrebleu

from conftest import SHARED, need

WMT21 = SHARED / "wmt21-ende-mqm"
RATED = ["Facebook-AI", "HuaweiTSC", "NVIDIA-NeMo", "Online-W", "UEdin", "VolcTrans-AT", "VolcTrans-GLAT",
         "eTranslation"]


@pytest.mark.slow
def test_wmt21_en_de_mqm(cli, tmp_path):
    txt = need(WMT21 / "txt")
    mqm = need(WMT21 / "mqm" / "mqm_newstest2021_ende.avg_seg_scores.tsv")
    ref = txt / "references" / "newstest2021.en-de.ref.C.de"
    hyps = {s: txt / "system-outputs" / f"newstest2021.en-de.hyp.{s}.de" for s in RATED + ["Online-A", "UF"]}
    code, _, err = cli("score", "--refs", ref, "--hyps", *hyps.values(), "--names", *hyps, "-l", "en-de",
                       "-m", "bleu,chrf,ter", "--out", tmp_path / "run", "--format", "json")
    assert code == 0, err
    code, out, err = cli("meta", tmp_path / "run", "--human", mqm, "--human-format", "mqm", "--rename",
                         "Nemo=NVIDIA-NeMo", "--format", "json")
    assert code == 0, err
    assert "5 system(s) not in the run, ignored: metricsystem1" in err  # ref-A..D are human: left out quietly
    assert "no scores for 2 system(s) of the run, left out: Online-A, UF" in err
    block = json.loads(out)["testsets"]["cli"]
    assert block["systems"] == RATED and block["n_rated_segments"] == 527 and block["n_ratings"] == 8 * 527
    assert block["excluded"]["human"] == ["ref-A", "ref-B", "ref-C", "ref-D"]

    human = {}
    for line in mqm.read_text().splitlines()[1:]:
        system, score, _ = line.split()
        if score != "None":
            human.setdefault({"Nemo": "NVIDIA-NeMo"}.get(system, system), []).append(float(score))
    h = np.array([np.mean(human[s]) for s in RATED])
    refs = [ref.read_text(encoding="utf-8").split("\n")[:-1]]
    outputs = {s: hyps[s].read_text(encoding="utf-8").split("\n")[:-1] for s in RATED}
    for metric, scorer in (("bleu", sacrebleu.BLEU()), ("chrf", sacrebleu.CHRF())):
        corpus = np.array([scorer.corpus_score(outputs[s], refs).score for s in RATED])
        assert block["metrics"][metric]["sys_pearson"] == pytest.approx(np.corrcoef(h, corpus)[0, 1], abs=1e-9)
    results = json.loads((tmp_path / "run" / "results.json").read_text())["testsets"]["cli"]["systems"]
    ter = np.array([results[s]["ter"]["score"] for s in RATED])  # corpus TER (= sacreBLEU's, tested elsewhere)
    assert block["metrics"]["ter"]["sys_pearson"] == pytest.approx(np.corrcoef(h, -ter)[0, 1], abs=1e-9)
    assert block["metrics"]["ter"]["sys_pearson"] > 0.5  # negated: agreeing, not anti-correlated


@pytest.mark.slow
def test_wmt22_de_en_da_segment_and_system_files(cli, tmp_path):
    """WMT22 de-en: crowd DA per segment (``Online-Y.3`` = ``Online-Y``, HUMAN-B
    left out) and the organisers' system ranking file (system level only)."""
    from conftest import wmt22_txt

    da = need(SHARED / "wmt22" / "humaneval" / "DA" / "newstest2022-toen")
    files = wmt22_txt("de-en")
    code, _, err = cli("score", "--refs", files["references"]["A"], "--hyps", *files["systems"].values(),
                       "--names", *files["systems"], "-l", "de-en", "-m", "bleu", "--out", tmp_path / "run",
                       "--format", "json")
    assert code == 0, err
    code, out, err = cli("meta", tmp_path / "run", "--human", da / "ad-seg-scores-de-en.csv", "--human-format", "da",
                         "--format", "json")
    assert code == 0 and err == "", err
    seg_block = json.loads(out)["testsets"]["cli"]
    assert seg_block["n_systems"] == 9 and seg_block["n_rated_segments"] == 1984
    assert seg_block["excluded"]["human"] == ["HUMAN-B"]
    code, out, err = cli("meta", tmp_path / "run", "--human", da / "ad-sys-ranking-de-en-z-names.csv",
                         "--human-format", "da-sys", "--format", "json")
    assert code == 0 and err == "", err
    sys_block = json.loads(out)["testsets"]["cli"]
    z = {line.split()[4].split(".")[0]: float(line.split()[1])
         for line in (da / "ad-sys-ranking-de-en-z-names.csv").read_text().splitlines()}
    results = json.loads((tmp_path / "run" / "results.json").read_text())["testsets"]["cli"]["systems"]
    systems = sys_block["systems"]
    bleu = [results[s]["bleu"]["score"] for s in systems]
    assert sys_block["metrics"]["bleu"]["sys_pearson"] == pytest.approx(
        np.corrcoef([z[s] for s in systems], bleu)[0, 1], abs=1e-9)
    assert sys_block["metrics"]["bleu"]["seg_pearson_none"] is None
    assert sys_block["n_rated_segments"] == 0
