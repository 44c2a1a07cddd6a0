"""Helpers shared by the benchmarks: the real data, timing a command."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WMT22 = ROOT.parent / "shared" / "data" / "wmt22"
MEASURE = Path(__file__).resolve().parent / "measure.py"


def wmt22_files(pair: str) -> tuple[Path, Path, list[Path]]:
    src, tgt = pair.split("-")
    txt = WMT22 / "txt"
    if not txt.exists():
        sys.exit(f"{txt} is absent: these benchmarks need ../shared/data")
    source = txt / "sources" / f"generaltest2022.{pair}.src.{src}"
    ref = txt / "references" / f"generaltest2022.{pair}.ref.A.{tgt}"
    hyps = sorted((txt / "system-outputs").glob(f"generaltest2022.{pair}.hyp.*.{tgt}"))
    return source, ref, hyps


def timed(cmd: list[str], env: dict | None = None) -> tuple[dict, str]:
    """(measurement, stdout) of one command run under measure.py."""
    proc = subprocess.run([sys.executable, str(MEASURE), *map(str, cmd)], capture_output=True, text=True, env=env)
    measurement = json.loads(proc.stderr.strip().splitlines()[-1])
    if measurement["rc"] != 0:
        raise SystemExit(f"command failed: {' '.join(map(str, cmd))}\n{proc.stderr}")
    return measurement, proc.stdout
