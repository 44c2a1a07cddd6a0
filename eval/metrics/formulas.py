"""Corpus scores from summed sufficient statistics, vectorised over leading axes.

Each function reproduces sacreBLEU 2.6's score-from-statistics formula step by
step (same order of floating-point operations), so a corpus score computed here
equals sacreBLEU's, and thousands of bootstrap resamples are scored in one call.
"""
from __future__ import annotations

import numpy as np

# sacreBLEU's log(0) stand-in for BLEU's geometric mean.
_LOG_ZERO = -9999999999.0


def bleu_from_sums(
    sums: np.ndarray,
    max_order: int = 4,
    smooth_method: str = "exp",
    smooth_value: float | None = None,
    effective_order: bool = False,
) -> np.ndarray:
    """BLEU from statistics ``[hyp_len, ref_len, correct_1..N, total_1..N]``."""
    sums = np.asarray(sums, dtype=np.float64)
    if smooth_value is None:
        smooth_value = {"floor": 0.1, "add-k": 1.0}.get(smooth_method, 0.0)
    sys_len, ref_len = sums[..., 0], sums[..., 1]
    correct = sums[..., 2 : 2 + max_order].copy()
    total = sums[..., 2 + max_order : 2 + 2 * max_order].copy()
    any_match = (correct != 0).any(axis=-1)

    with np.errstate(divide="ignore", invalid="ignore"):
        safe_sys = np.where(sys_len > 0, sys_len, 1.0)
        bp = np.where(
            sys_len < ref_len,
            np.where(sys_len > 0, np.exp(1 - ref_len / safe_sys), 0.0),
            1.0,
        )
        shape = sums.shape[:-1]
        active = np.ones(shape, dtype=bool)
        eff_order = np.full(shape, max_order, dtype=np.int64)
        smooth_mteval = np.ones(shape)
        log_precisions = []
        for n in range(max_order):
            if smooth_method == "add-k" and n > 0:
                correct[..., n] += smooth_value
                total[..., n] += smooth_value
            c, t = correct[..., n], total[..., n]
            active &= t != 0
            if effective_order:
                eff_order = np.where(active, n + 1, eff_order)
            safe_t = np.where(t != 0, t, 1.0)
            zero = c == 0
            if smooth_method == "exp":
                smooth_mteval = np.where(active & zero, smooth_mteval * 2, smooth_mteval)
                p = np.where(zero, 100.0 / (smooth_mteval * safe_t), 100.0 * c / safe_t)
            elif smooth_method == "floor":
                p = np.where(zero, 100.0 * smooth_value / safe_t, 100.0 * c / safe_t)
            else:
                p = 100.0 * c / safe_t
            p = np.where(active, p, 0.0)
            log_precisions.append(np.where(p == 0.0, _LOG_ZERO, np.log(np.where(p > 0, p, 1.0))))
        acc = np.zeros(shape)
        for n, logp in enumerate(log_precisions):
            acc = np.where(n < eff_order, acc + logp, acc)
        score = bp * np.exp(acc / eff_order)
    return np.where(any_match, score, 0.0)


def chrf_from_sums(
    sums: np.ndarray, order: int, beta: float = 2.0, eps_smoothing: bool = False
) -> np.ndarray:
    """chrF from statistics ``[hyp, ref, match] * (char_order + word_order)``."""
    sums = np.asarray(sums, dtype=np.float64)
    eps = 1e-16
    factor = beta**2
    shape = sums.shape[:-1]
    score = np.zeros(shape)
    avg_prec = np.zeros(shape)
    avg_rec = np.zeros(shape)
    effective = np.zeros(shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in range(order):
            n_hyp, n_ref, n_match = (sums[..., 3 * i + k] for k in range(3))
            prec = np.where(n_hyp > 0, n_match / np.where(n_hyp > 0, n_hyp, 1), eps)
            rec = np.where(n_ref > 0, n_match / np.where(n_ref > 0, n_ref, 1), eps)
            denom = factor * prec + rec
            score = score + np.where(
                denom > 0, (1 + factor) * prec * rec / np.where(denom > 0, denom, 1), eps
            )
            both = (n_hyp > 0) & (n_ref > 0)
            avg_prec = np.where(both, avg_prec + prec, avg_prec)
            avg_rec = np.where(both, avg_rec + rec, avg_rec)
            effective = effective + both
        if eps_smoothing:
            return 100 * score / order
        safe_eff = np.where(effective > 0, effective, 1)
        avg_prec = np.where(effective > 0, avg_prec / safe_eff, 0.0)
        avg_rec = np.where(effective > 0, avg_rec / safe_eff, 0.0)
        total = avg_prec + avg_rec
        f = (1 + factor) * avg_prec * avg_rec
        f = f / np.where(total != 0, factor * avg_prec + avg_rec, 1)
        return np.where(total != 0, 100 * f, 0.0)


def ter_from_sums(sums: np.ndarray) -> np.ndarray:
    """TER from statistics ``[edits, ref_length]``."""
    sums = np.asarray(sums, dtype=np.float64)
    edits, ref_len = sums[..., 0], sums[..., 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(ref_len > 0, edits / np.where(ref_len > 0, ref_len, 1), 0.0)
    rate = np.where((ref_len <= 0) & (edits > 0), 1.0, rate)
    return 100 * rate
