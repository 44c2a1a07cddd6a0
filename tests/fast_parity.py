"""Shared checks for the fast-metric parity tests: sacreBLEU's statistics for
many systems (over two worker processes, since sacreBLEU is the slow side)
compared row for row with eval.metrics.fast, plus the corpus scores."""
from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from sacrebleu.metrics import BLEU, CHRF, TER

from eval.metrics.fast import FastBLEU, FastCHRF, FastTER

METRICS = {"bleu": (BLEU, FastBLEU), "chrf": (CHRF, FastCHRF), "ter": (TER, FastTER)}


def _sacre_job(job):
    """One worker's share of the systems, with the references cached once."""
    metric, kwargs, chunk, refs = job
    sacre = METRICS[metric][0](references=refs, **kwargs)
    results = {}
    for name, hyps in chunk.items():
        stats = sacre._extract_corpus_statistics(hyps, None)
        results[name] = (
            np.array(stats, dtype=np.float64).reshape(len(hyps), -1),
            sacre._aggregate_and_compute(stats).score,
        )
    return results


def sacre_results(metric: str, kwargs: dict, systems: dict[str, list[str]], refs) -> dict:
    """sacreBLEU's (statistics, corpus score) per system, over two processes."""
    names = list(systems)
    chunks = [{name: systems[name] for name in names[i::2]} for i in range(min(2, len(names)))]
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("fork")) as pool:
        results = {}
        for part in pool.map(_sacre_job, [(metric, kwargs, chunk, refs) for chunk in chunks]):
            results.update(part)
    return results


def assert_parity(metric: str, kwargs: dict, systems: dict[str, list[str]], refs) -> None:
    """Equal per-segment statistics and corpus scores for every system."""
    expected = sacre_results(metric, kwargs, systems, refs)
    sacre_cls, fast_cls = METRICS[metric]
    fast = fast_cls(**kwargs)
    prepared = fast.prepare(refs)
    scorer = sacre_cls(**kwargs)
    for name, hyps in systems.items():
        ours = fast.stats(hyps, prepared)
        their_stats, their_score = expected[name]
        bad = np.flatnonzero((ours != their_stats).any(axis=1))
        assert bad.size == 0, (
            f"{metric} {kwargs} {name}: {bad.size} segments differ, first {bad[0]}: "
            f"ours {ours[bad[0]].tolist()} sacreBLEU {their_stats[bad[0]].tolist()}"
        )
        our_score = scorer._compute_score_from_stats([float(x) for x in ours.sum(axis=0)]).score
        assert our_score == their_score, (metric, name, our_score, their_score)
