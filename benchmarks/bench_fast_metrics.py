"""eval.metrics.fast against sacreBLEU 2.6, side by side in one run, on
paragraph-level WMT22 data: identical statistics asserted, times compared.

Sections: TER / chrF / BLEU speed-ups on paragraphs; all systems of a
paragraph-level test set with BLEU+chrF+TER over both cores; time growth with
segment length; extremely long segments (time and memory bound).

    python benchmarks/bench_fast_metrics.py [--out benchmarks/results/fast_metrics.md]

Figures go to stdout and to the markdown file.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import random
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from sacrebleu.metrics import BLEU, CHRF, TER

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from eval.metrics.fast import FastBLEU, FastCHRF, FastTER  # noqa: E402
from fast_metrics_data import WMT22, txt_test_set, xml_paragraphs  # noqa: E402

PAIRS = {"bleu": (BLEU, FastBLEU), "chrf": (CHRF, FastCHRF), "chrf++": (CHRF, FastCHRF), "ter": (TER, FastTER)}
KWARGS = {"bleu": {}, "chrf": {}, "chrf++": {"word_order": 2}, "ter": {}}
LINES: list[str] = []


def say(line: str = "") -> None:
    print(line, flush=True)
    LINES.append(line)


def sacre_stats(metric: str, hyps, refs, kwargs=None) -> tuple[np.ndarray, float]:
    """sacreBLEU's statistics (fresh object, so no warm tokeniser cache) and seconds."""
    cls = PAIRS[metric][0]
    start = time.perf_counter()
    m = cls(**(kwargs if kwargs is not None else KWARGS[metric]))
    stats = m._extract_corpus_statistics(hyps, refs)
    return np.array(stats, dtype=np.float64).reshape(len(hyps), -1), time.perf_counter() - start


def fast_stats(metric: str, hyps, refs, kwargs=None) -> tuple[np.ndarray, float]:
    """Our statistics including reference preparation, and seconds."""
    cls = PAIRS[metric][1]
    start = time.perf_counter()
    m = cls(**(kwargs if kwargs is not None else KWARGS[metric]))
    stats = m.stats(hyps, m.prepare(refs))
    return stats, time.perf_counter() - start


def side_by_side(metric: str, hyps, refs, kwargs=None) -> tuple[float, float]:
    theirs, t_sacre = sacre_stats(metric, hyps, refs, kwargs)
    ours, t_fast = fast_stats(metric, hyps, refs, kwargs)
    np.testing.assert_array_equal(ours, theirs)
    return t_sacre, t_fast


def words(segments) -> float:
    return float(np.mean([len(s.split()) for s in segments]))


# ---------------------------------------------------------------- speed-ups


def bench_speedups(data) -> None:
    say("## Speed-up on paragraph-level segments (ru-en, runs of 3-8 segments)")
    say()
    ref = data.references["A"]
    say(f"{len(ref)} paragraphs, {words(ref):.1f} reference words on average. Statistics asserted identical. "
        "Times include reference preparation for both tools.")
    say()
    say("| metric | systems x paragraphs | sacreBLEU s | fast s | speed-up |")
    say("|---|---|---:|---:|---:|")
    systems = list(data.systems.items())
    # sacreBLEU TER on all paragraphs takes minutes per system: sample 2 systems x 120 paragraphs
    for metric, sample_systems, n_par in (("ter", 2, 120), ("chrf", len(systems), len(ref)),
                                          ("chrf++", len(systems), len(ref)), ("bleu", len(systems), len(ref))):
        t_sacre = t_fast = 0.0
        for _, hyps in systems[:sample_systems]:
            a, b = side_by_side(metric, hyps[:n_par], [ref[:n_par]])
            t_sacre += a
            t_fast += b
        say(f"| {metric} | {sample_systems} x {n_par} | {t_sacre:.2f} | {t_fast:.3f} | {t_sacre / t_fast:.0f}x |")
        if metric == "ter":
            SACRE_TER_PER_PARAGRAPH["ru-en runs"] = t_sacre / (sample_systems * n_par)
    say()


# ---------------------------------------------------------------- all systems


PREPARED: dict = {}
SACRE_TER_PER_PARAGRAPH: dict = {}


def _system_job(item):
    name, hyps = item
    start = time.perf_counter()
    out = {metric: PREPARED[metric][0].stats(hyps, PREPARED[metric][1]) for metric in PREPARED}
    return name, out, time.perf_counter() - start


def score_all_systems(data, bleu_kwargs: dict, workers: int) -> tuple[dict, float]:
    """BLEU+chrF+TER statistics of every system: references prepared once,
    systems spread over `workers` forked processes."""
    start = time.perf_counter()
    refs = list(data.references.values())
    PREPARED.clear()
    for metric, m in (("bleu", FastBLEU(**bleu_kwargs)), ("chrf", FastCHRF()), ("ter", FastTER())):
        PREPARED[metric] = (m, m.prepare(refs))
    if workers == 1:
        results = [_system_job(item) for item in data.systems.items()]
    else:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            results = list(pool.map(_system_job, data.systems.items()))
    return {name: out for name, out, _ in results}, time.perf_counter() - start


def bench_all_systems() -> None:
    say("## All systems of a paragraph-level test set: BLEU + chrF + TER")
    say()
    say("References prepared once, systems spread over a process pool (fork). sacreBLEU's BLEU and chrF "
        "statistics are computed for every system and asserted identical; sacreBLEU's TER on all "
        "systems would take well over 10 minutes, so it is checked on the first 10 paragraphs of at most 150 words of each system.")
    say()
    say("| test set | systems x paragraphs | words/paragraph | fast, 1 process s | fast, 2 processes s | sacreBLEU BLEU+chrF s |")
    say("|---|---|---:|---:|---:|---:|")
    for pair, mode, bleu_kwargs in (("ru-en", "runs", {}), ("ru-en", "doc", {}), ("de-fr", "runs", {}),
                                    ("en-zh", "runs", {"tokenize": "zh"})):
        data = xml_paragraphs(pair, mode)
        ref = next(iter(data.references.values()))
        _, t1 = score_all_systems(data, bleu_kwargs, 1)
        ours, t2 = score_all_systems(data, bleu_kwargs, 2)
        refs = list(data.references.values())
        t_sacre = 0.0
        ter_check = [i for i, seg in enumerate(ref) if len(seg.split()) <= 150][:10]
        for name, hyps in data.systems.items():
            for metric, kwargs in (("bleu", bleu_kwargs), ("chrf", {})):
                theirs, t = sacre_stats(metric, hyps, refs, kwargs)
                t_sacre += t
                np.testing.assert_array_equal(ours[name][metric], theirs)
            theirs, _ = sacre_stats("ter", [hyps[i] for i in ter_check], [[r[i] for i in ter_check] for r in refs])
            np.testing.assert_array_equal(ours[name]["ter"][ter_check], theirs)
        say(f"| {pair} {mode} ({len(refs)} ref) | {len(data.systems)} x {len(ref)} | {words(ref):.0f} | "
            f"{t1:.2f} | {t2:.2f} | {t_sacre:.1f} |")
    say()
    per_paragraph = SACRE_TER_PER_PARAGRAPH.get("ru-en runs")
    if per_paragraph:
        n = sum(len(h) for h in xml_paragraphs("ru-en", "runs").systems.values())
        say(f"sacreBLEU's TER alone on all {n:,} ru-en paragraphs, extrapolated from the sample timed in the "
            f"first section ({per_paragraph:.3f} s per paragraph): about {per_paragraph * n / 60:.0f} minutes.")
        say()


# ---------------------------------------------------------------- growth


def fixed_length_segments(length: int, count: int) -> tuple[list[str], list[str]]:
    """`count` hypothesis/reference pairs of exactly `length` reference words,
    cut from consecutive ru-en segments (system Online-B against reference A);
    the hypothesis is cut at the same word count."""
    data = txt_test_set("ru-en")
    ref_lines, hyp_lines = data.references["A"], data.systems["Online-B"]
    hyps, refs, i = [], [], 0
    while len(refs) < count:
        r, h = [], []
        while len(r) < length:
            r += ref_lines[i % len(ref_lines)].split()
            h += hyp_lines[i % len(hyp_lines)].split()
            i += 1
        refs.append(" ".join(r[:length]))
        hyps.append(" ".join(h[:length]))
    return hyps, refs


def bench_growth() -> None:
    say("## Time growth with segment length")
    say()
    say("Segments of exactly L reference words cut from consecutive ru-en segments (Online-B vs reference A). "
        "Milliseconds per segment, statistics asserted identical. sacreBLEU's TER is measured on fewer "
        "segments at the long end (column n): its cost per segment explodes.")
    say()
    say("| L words | n fast | n sacreBLEU TER | TER sacreBLEU ms | TER fast ms | TER speed-up | chrF sacreBLEU ms | chrF fast ms | BLEU sacreBLEU ms | BLEU fast ms |")
    say("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for length, n_sacre_ter in ((10, 200), (50, 60), (100, 24), (200, 8), (400, 3)):
        n = 200
        hyps, refs = fixed_length_segments(length, n)
        row = [str(length), str(n), str(n_sacre_ter)]
        t_sacre, t_fast = side_by_side("ter", hyps[:n_sacre_ter], [refs[:n_sacre_ter]])
        _, t_fast_all = fast_stats("ter", hyps, [refs])
        row += [f"{1000 * t_sacre / n_sacre_ter:.1f}", f"{1000 * t_fast_all / n:.3f}",
                f"{(t_sacre / n_sacre_ter) / (t_fast_all / n):.0f}x"]
        for metric in ("chrf", "bleu"):
            a, b = side_by_side(metric, hyps, [refs])
            row += [f"{1000 * a / n:.2f}", f"{1000 * b / n:.3f}"]
        say("| " + " | ".join(row) + " |")
    say()


# ---------------------------------------------------------------- extreme


LONG_INPUT: dict = {}


def long_pair(kind: str, n_words: int) -> tuple[str, str]:
    """A hypothesis/reference pair of `n_words` words: real text; a near copy
    of the reference with 20 short blocks moved and 10 words replaced (few
    candidates per round, so many rounds of full-length candidate scoring: the
    costly case for the shift search); or a tiny vocabulary where nearly every
    word pair could start a shift."""
    hyps, refs = fixed_length_segments(n_words, 1)
    if kind == "real":
        return hyps[0], refs[0]
    if kind == "near copy":
        rng = random.Random(n_words)
        words = refs[0].split()
        for _ in range(20):
            a, length = rng.randrange(len(words) - 6), rng.randint(1, 5)
            block = words[a:a + length]
            del words[a:a + length]
            b = min(len(words), max(0, a + rng.randint(-30, 30)))
            words[b:b] = block
        for _ in range(10):
            words[rng.randrange(len(words))] = "zzz"
        return " ".join(words), refs[0]
    rng = np.random.default_rng(0)
    vocab = np.array(["a", "b", "c", "d", "the", "of", ".", ","])
    return (" ".join(vocab[rng.integers(0, len(vocab), n_words)]),
            " ".join(vocab[rng.integers(0, len(vocab), n_words)]))


def _long_job(metric: str) -> tuple[float, float]:
    """Seconds and growth of peak resident memory (MB) of one metric on LONG_INPUT."""
    hyp, ref = LONG_INPUT["pair"]
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    _, seconds = fast_stats(metric, [hyp], [[ref]])
    return seconds, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024


def bench_extreme() -> None:
    say("## Extremely long segments")
    say()
    say("One hypothesis/reference pair per row; each metric runs in a fresh forked process, and 'MB' is the "
        "growth of that process's peak resident memory (input built before the fork). sacreBLEU is not run "
        "here: its TER keeps the full n x m matrix of Python tuples (10^8 cells at 10,000 words) and scans "
        "all n x m word pairs per shift round.")
    say()
    say("| input | words | TER s | TER MB | chrF s | chrF MB | BLEU s | BLEU MB |")
    say("|---|---:|---:|---:|---:|---:|---:|---:|")
    ctx = multiprocessing.get_context("fork")
    for kind in ("real", "near copy", "tiny vocabulary"):
        for n_words in (10_000, 20_000, 40_000):
            LONG_INPUT["pair"] = long_pair(kind, n_words)
            cells = []
            for metric in ("ter", "chrf", "bleu"):
                with ProcessPoolExecutor(1, mp_context=ctx) as pool:
                    seconds, mb = pool.submit(_long_job, metric).result()
                cells += [f"{seconds:.3f}", f"{mb:.1f}"]
            say(f"| {kind} | {n_words:,} | " + " | ".join(cells) + " |")
    say()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "fast_metrics.md")
    args = parser.parse_args()
    if not (WMT22 / "xml").is_dir():
        sys.exit(f"{WMT22} is absent: this benchmark needs ../shared/data")
    say("# Fast lexical metrics vs sacreBLEU 2.6")
    say()
    say(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. Other jobs may share the cores, so compare "
        "columns within one run.")
    say()
    start = time.perf_counter()
    bench_speedups(xml_paragraphs("ru-en", "runs"))
    bench_all_systems()
    bench_growth()
    bench_extreme()
    say(f"Total benchmark time {time.perf_counter() - start:.0f} s.")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(LINES) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
