"""eval.stats equals sacreBLEU 2.6's significance tests on real WMT22 systems."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sacrebleu.metrics import BLEU as SacreBLEU
from sacrebleu.metrics import CHRF as SacreCHRF
from sacrebleu.metrics import TER as SacreTER
from sacrebleu.significance import PairedTest

from eval import stats
from eval.metrics.lexical import BLEU, CHRF, TER

WMT22 = Path(__file__).resolve().parents[2] / "shared" / "data" / "wmt22" / "txt"
pytestmark = pytest.mark.skipif(not WMT22.is_dir(), reason=f"WMT22 data not found at {WMT22}")

# sacreBLEU scores resamples from float32 statistics; we use float64.
MEAN_TOL = 1e-4
# p-values count resamples whose difference exceeds the observed one; between
# machines (libm, BLAS) a resampled score moves by ~1e-12 at most. Our counts are
# the same on every machine when each resample is either an exact tie (the same
# integer sums as the observed scores: equal everywhere) or clear of the threshold
# by more than this; paired() checks that, so comparing p-values exactly is sound.
TIE_GAP = 1e-9


def load_pair(pair: str, limit: int | None = None) -> tuple[list[str], dict[str, list[str]], list[Path]]:
    tgt = pair.split("-")[1]
    ref = (WMT22 / "references" / f"generaltest2022.{pair}.ref.A.{tgt}").read_text(encoding="utf-8").splitlines()
    files = sorted((WMT22 / "system-outputs").glob(f"generaltest2022.{pair}.hyp.*.{tgt}"))
    systems = {f.name.split(".hyp.")[1][: -len(tgt) - 1]: f.read_text(encoding="utf-8").splitlines() for f in files}
    if limit:
        ref = ref[:limit]
        systems = {name: hyps[:limit] for name, hyps in systems.items()}
    return ref, systems, files


def our_stats(metric, ref: list[str], systems: dict[str, list[str]]) -> dict[str, np.ndarray]:
    prepared = metric.prepare(None, [ref])
    return {name: metric.segment_stats(hyps, prepared) for name, hyps in systems.items()}


def sacrebleu_paired(sacre_metric, ref, systems, test_type):
    _, table = PairedTest(list(systems.items()), {"m": sacre_metric}, [ref], test_type=test_type)()
    column = [v for k, v in table.items() if k != "System"][0]
    return dict(zip(table["System"], column))


def paired(st: dict[str, np.ndarray], fn, baseline: str, test: str) -> dict[str, stats.PairedResult]:
    """Our paired test against ``baseline``, after checking that every resampled
    difference is an exact tie or at least TIE_GAP from the observed one
    (default seed and n)."""
    names = list(st)
    stacked = np.stack([st[n] for n in names], axis=1)  # (segments, systems, stats)
    b = names.index(baseline)
    totals = stacked.sum(axis=0)
    scores = fn(totals)
    observed = np.abs(scores - scores[b])
    if test == "bs":
        _, samples = stats.bootstrap_scores(st, fn)
        diffs = np.abs(samples - samples[:, [b]])
        gaps = np.abs(diffs - diffs.mean(axis=0) - observed)
    else:
        rng = np.random.default_rng(stats.resolve_seed())
        gaps = []
        n = stats.DEFAULT_AR_TRIALS
        for start in range(0, n, 1024):  # rows in multiples of 32: the same bit stream as one draw
            mask = rng.integers(2, size=(min(1024, n - start), len(stacked)), dtype=bool).astype(np.float64)
            picked = (mask @ stacked.reshape(len(stacked), -1)).reshape(len(mask), *stacked.shape[1:])
            swapped = picked[:, [b]] + totals - picked  # baseline's outputs where the mask is set
            diffs = np.abs(fn(swapped) - fn(totals[b] + totals - swapped))
            gaps.append(np.abs(diffs - observed))
        gaps = np.concatenate(gaps)
    gaps = np.delete(gaps, b, axis=1)
    nearest = gaps[gaps > 0].min()
    assert nearest > TIE_GAP, f"a resampled difference lies {nearest:.2e} from the observed one"
    return (stats.paired_bootstrap if test == "bs" else stats.paired_ar)(st, fn, baseline)


def assert_same(ours: dict, theirs: dict, with_interval: bool) -> None:
    assert list(ours) == list(theirs)
    for name, expected in theirs.items():
        got = ours[name]
        assert got.score == pytest.approx(expected.score, abs=1e-9), name
        assert got.p_value == expected.p_value, name  # exact: same resamples, no near ties (paired)
        if with_interval:
            assert got.mean == pytest.approx(float(expected.mean), abs=MEAN_TOL), name
            assert got.half_width == pytest.approx(float(expected.ci), abs=MEAN_TOL), name


@pytest.fixture(autouse=True)
def default_seed(monkeypatch):
    monkeypatch.delenv(stats.SEED_ENV, raising=False)


@pytest.fixture(scope="module")
def de_en():
    return load_pair("de-en")


@pytest.mark.parametrize("ours_cls, sacre_cls", [(BLEU, SacreBLEU), (CHRF, SacreCHRF)])
def test_paired_bootstrap_de_en_all_systems(de_en, ours_cls, sacre_cls):
    ref, systems, _ = de_en
    metric = ours_cls()
    st = our_stats(metric, ref, systems)
    baseline = next(iter(systems))
    ours = paired(st, metric.score_from_sums, baseline, "bs")
    assert_same(ours, sacrebleu_paired(sacre_cls(), ref, systems, "bs"), with_interval=True)
    assert any(r.p_value < 0.05 for r in ours.values() if r.p_value) and any(
        r.p_value > 0.05 for r in ours.values() if r.p_value)


@pytest.mark.parametrize("ours_cls, sacre_cls", [(BLEU, SacreBLEU), (CHRF, SacreCHRF)])
def test_paired_ar_de_en(de_en, ours_cls, sacre_cls):
    ref, systems, _ = de_en
    systems = {k: systems[k] for k in ("Online-B", "Lan-Bridge", "Online-A", "Online-G", "LT22")}
    metric = ours_cls()
    ours = paired(our_stats(metric, ref, systems), metric.score_from_sums, "Online-B", "ar")
    assert_same(ours, sacrebleu_paired(sacre_cls(), ref, systems, "ar"), with_interval=False)


def test_paired_bootstrap_en_zh_with_zh_tokenizer_and_other_seed(monkeypatch):
    ref, systems, _ = load_pair("en-zh")
    metric = BLEU(tokenize="zh", trg_lang="zh")
    st = our_stats(metric, ref, systems)
    baseline = "HuaweiTSC"
    ordered = {baseline: systems[baseline], **{k: v for k, v in systems.items() if k != baseline}}
    monkeypatch.setenv(stats.SEED_ENV, "2024")
    theirs = sacrebleu_paired(SacreBLEU(tokenize="zh"), ref, ordered, "bs")
    ours = paired({k: st[k] for k in ordered}, metric.score_from_sums, baseline, "bs")
    assert_same(ours, theirs, with_interval=True)
    monkeypatch.delenv(stats.SEED_ENV)
    explicit = stats.paired_bootstrap({k: st[k] for k in ordered}, metric.score_from_sums, baseline, seed=2024)
    assert explicit == ours


def test_paired_ar_en_zh_chrf():
    ref, systems, _ = load_pair("en-zh")
    systems = {k: systems[k] for k in ("Online-W", "HuaweiTSC", "LanguageX")}
    metric = CHRF()
    ours = paired(our_stats(metric, ref, systems), metric.score_from_sums, "Online-W", "ar")
    assert_same(ours, sacrebleu_paired(SacreCHRF(), ref, systems, "ar"), with_interval=False)


@pytest.mark.parametrize("test_type", ["bs", "ar"])
def test_ter_on_a_subset(test_type):
    ref, systems, _ = load_pair("de-en", limit=250)
    systems = {k: systems[k] for k in ("Online-B", "LT22", "PROMT")}
    metric = TER()
    ours = paired(our_stats(metric, ref, systems), metric.score_from_sums, "Online-B", test_type)
    assert_same(ours, sacrebleu_paired(SacreTER(), ref, systems, test_type), with_interval=test_type == "bs")


@pytest.mark.parametrize("ours_cls, sacre_cls", [(BLEU, SacreBLEU), (CHRF, SacreCHRF)])
def test_confidence_interval_equals_corpus_score_bootstrap(de_en, ours_cls, sacre_cls):
    ref, systems, _ = de_en
    one = {"Online-Y": systems["Online-Y"]}
    metric = ours_cls()
    ours = stats.confidence_intervals(our_stats(metric, ref, one), metric.score_from_sums)["Online-Y"]
    theirs = sacre_cls().corpus_score(one["Online-Y"], [ref], n_bootstrap=1000)
    assert ours.score == pytest.approx(theirs.score, abs=1e-9)
    assert ours.mean == pytest.approx(theirs._mean, abs=MEAN_TOL)
    assert ours.half_width == pytest.approx(theirs._ci, abs=MEAN_TOL)
    assert ours.ci[0] < ours.mean < ours.ci[1]


def test_sacrebleu_command_line_paired_bs(de_en):
    """The command line `sacrebleu REF -i HYP... --paired-bs` gives the same numbers."""
    ref, systems, files = de_en
    picked = [f for f in files if any(s in f.name for s in (".Online-W.", ".LT22.", ".Online-A."))]
    ref_file = WMT22 / "references" / "generaltest2022.de-en.ref.A.en"
    out = subprocess.run(
        [sys.executable, "-m", "sacrebleu", str(ref_file), "-i", *map(str, picked), "-m", "bleu",
         "--paired-bs", "-f", "json"],
        capture_output=True, text=True, check=True, env={k: v for k, v in os.environ.items() if k != stats.SEED_ENV},
    )
    rows = json.loads(out.stdout)
    names = [f.name.split(".hyp.")[1][:-3] for f in picked]
    metric = BLEU()
    ours = paired(our_stats(metric, ref, {n: systems[n] for n in names}), metric.score_from_sums, names[0], "bs")
    for name, row in zip(names, rows):
        assert ours[name].score == pytest.approx(row["BLEU"]["score"], abs=1e-9)
        assert ours[name].p_value == row["BLEU"]["p_value"]
        assert ours[name].mean == pytest.approx(row["BLEU"]["mean"], abs=MEAN_TOL)
        assert ours[name].half_width == pytest.approx(row["BLEU"]["ci"], abs=MEAN_TOL)


def test_pairwise_matrix_rows_equal_baseline_runs(de_en):
    ref, systems, _ = de_en
    metric = BLEU()
    st = our_stats(metric, ref, systems)
    for test, fn in (("bs", stats.paired_bootstrap), ("ar", stats.paired_ar)):
        names, matrix = stats.pairwise_p_values(st, metric.score_from_sums, test=test)
        for i in (0, 4):
            row = fn(st, metric.score_from_sums, names[i])
            for j, name in enumerate(names):
                if j != i:
                    assert matrix[i, j] == row[name].p_value == matrix[j, i]


def test_clusters_on_de_en_follow_the_documented_rule(de_en):
    ref, systems, _ = de_en
    metric = BLEU()
    st = our_stats(metric, ref, systems)
    entries = stats.significance_entries(st, metric.score_from_sums, baseline="Online-B")
    names, p = stats.pairwise_p_values(st, metric.score_from_sums)
    scores = {n: metric.corpus_score(st[n]) for n in names}
    ranked = sorted(names, key=lambda n: -scores[n])
    cluster = [entries[n]["cluster"] for n in ranked]
    assert cluster == sorted(cluster) and cluster[0] == 1 and cluster[-1] > 1
    for k in range(1, len(ranked)):
        above, below = ranked[:k], ranked[k:]
        separated = all(p[names.index(a), names.index(b)] < 0.05 for a in above for b in below)
        assert (cluster[k] > cluster[k - 1]) == separated, ranked[k]
