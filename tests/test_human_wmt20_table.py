"""The WMT20 metrics task's published system-level correlations with DA
(Mathur et al. 2020, tables tbl-DA-{Pearson,Kendall}-MTall-exclhuman-{toen,ento}:
Pearson, and Kendall's tau-b),
reproduced cell by cell to the 3 printed decimals from the official files:
DA system scores (manual-evaluation/DA/ad-sys-scores-*.csv, z), every baseline
and submitted metric's official system scores against the main reference
(final-metric-scores/*/METRIC.sys.score.gz, REFSET newstest2020), human
translations excluded, names matched by eval.human.names (``OPPO.1360`` /
``Facebook_AI.729`` / ``Human-B.0``), statistics from eval.meta.

Two facts about the printed tables, found by matching every column against
every language pair (all cells of a column agree with exactly one pair):
- the column headers are out of order: the cells are in the order of
  ``TRUE_COLUMNS`` below (the system counts printed under the headers follow
  the true order too, e.g. 16 systems for zh-en is printed under "ps-en");
- out of English, the last column (en-iu, news-only subset) needs DA scores of
  a subset that is not shipped, and is left out.
The SWSS+METEOR row (to English) has its cells shifted and is left out.
``HUMAN_RAW`` (raw DA against z DA) is reproduced from the DA file's RAW column.
"""
from __future__ import annotations

import re

import numpy as np
import pytest

from conftest import SHARED, need
from eval import meta
from eval.human import load_human, match_systems
from eval.human.names import is_human
from eval.human.wmt20 import read_wmt20_metric

WMT20 = SHARED / "wmt20-metrics"
TRUE_COLUMNS = {
    "toen": ["cs-en", "de-en", "ja-en", "pl-en", "ru-en", "ta-en", "zh-en", "iu-en", "km-en", "ps-en"],
    "ento": ["en-cs", "en-de", "en-ja", "en-pl", "en-ru", "en-ta", "en-zh", "en-iu", None],
}
SHIFTED_ROWS = {"SWSS+METEOR"}


STATISTIC = {"Pearson": "sys_pearson", "Kendall": "sys_kendall_b"}
CELLS = {("Pearson", "toen"): 302, ("Pearson", "ento"): 216, ("Kendall", "toen"): 302, ("Kendall", "ento"): 216}


def published(table: str, direction: str) -> dict[str, list[float | None]]:
    """Metric -> the printed cells of its row (None for '$-$')."""
    path = need(WMT20 / "results" / "tables" / f"tbl-DA-{table}-MTall-exclhuman-{direction}.tex")
    rows = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\\metric\{(.+?)\}\s*&(.*)\\\\", line)
        if m:
            cells = [re.sub(r"\\textbf\{(.*)\}", r"\1", c.strip()) for c in m.group(2).split("&")]
            rows[m.group(1).replace("\\_", "_")] = [None if "$-$" in c else float(c) for c in cells]
    return rows


def system_statistic(human: dict[str, float], metric: dict[str, float], statistic: str) -> tuple[float, int]:
    """The statistic over the systems both files score, human translations left out."""
    match = match_systems([s for s in human if not is_human(s)], [s for s in metric if not is_human(s)])
    pairs = [(human[h], metric[r]) for h, r in match.mapping.items()]
    h, m = (np.array(v, dtype=float) for v in zip(*pairs))
    values, _ = meta.agreement(np.full((len(h), 1), np.nan), np.full((len(h), 1), np.nan), h, m)
    return values[statistic], len(pairs)


def metric_file(name: str):
    found = sorted((WMT20 / "final-metric-scores").glob(f"*/{name}.sys.score.gz"))
    return found[0] if found else None


@pytest.mark.parametrize("table, direction", sorted(CELLS))
def test_published_system_correlations_with_da(table, direction):
    rows = published(table, direction)
    columns = TRUE_COLUMNS[direction]
    checked, wrong = 0, []
    da = {lp: load_human(need(WMT20 / "manual-evaluation" / "DA" / f"ad-sys-scores-{lp}.csv"), "da-sys").sys
          for lp in columns if lp}
    for name, cells in rows.items():
        path = metric_file(name)
        if name in SHIFTED_ROWS or (path is None and name != "HUMAN_RAW"):
            continue
        assert len(cells) == len(columns), name
        for lp, printed in zip(columns, cells):
            if lp is None or printed is None:
                continue
            if name == "HUMAN_RAW":
                scores = load_human(WMT20 / "manual-evaluation" / "DA" / f"ad-sys-scores-{lp}.csv", "da-sys", "raw").sys
            else:
                scores = read_wmt20_metric(path, lp).sys
            r, _ = system_statistic(da[lp], scores, STATISTIC[table])
            checked += 1
            if round(r, 3) != printed and abs(r - printed) > 5e-4 + 1e-12:  # printed with 3 decimals
                wrong.append((name, lp, printed, round(r, 4)))
    assert not wrong, wrong
    assert checked == CELLS[table, direction]
