"""Run one command and report its wall time, CPU time (user+sys) and peak memory (largest process).

Usage: python benchmarks/measure.py CMD ARGS...  -> prints JSON on stderr's last line.
Kept separate so that each measured command's memory is its own.
"""
from __future__ import annotations

import json
import resource
import subprocess
import sys
import time


def main() -> None:
    start = time.perf_counter()
    proc = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE)
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    sys.stdout.buffer.write(proc.stdout)
    sys.stderr.write(json.dumps({"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
                                 "peak_mb": usage.ru_maxrss / 1024, "rc": proc.returncode}) + "\n")


if __name__ == "__main__":
    main()
