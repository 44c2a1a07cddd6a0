"""The executor seam: ``--executor``/``--ray-address``/``executor:`` parsing and
errors, and (slow) the Ray executor on a real two-node cluster, run inside a
private network namespace so the cluster's traffic stays on loopback."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from conftest import CORPORA, ROOT, WMT22, need

from eval.config import load_config
from eval.errors import UserError


def _score_args(*extra: str) -> list[str]:
    txt = need(WMT22 / "txt")
    ref = txt / "references" / "generaltest2022.de-fr.ref.A.fr"
    hyp = txt / "system-outputs" / "generaltest2022.de-fr.hyp.Online-A.fr"
    return ["score", "--refs", str(ref), "--hyps", str(hyp), "-l", "de-fr", "--cache", "off", *extra]


def _mteval(args: list[str], prelude: str = "pass", timeout: float = 60) -> subprocess.CompletedProcess:
    code = f"import sys; {prelude}; from eval.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_ray_not_installed_says_what_to_install():
    proc = _mteval(_score_args("--executor", "ray"), prelude="sys.modules['ray'] = None")
    assert proc.returncode == 2
    assert proc.stderr == "mteval: error: --executor ray needs Ray, which is not installed: pip install 'mteval[ray]'\n"


def test_unreachable_address_fails_fast_naming_it():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    pytest.importorskip("ray", reason="the ray extra is not installed")
    start = time.monotonic()
    proc = _mteval(_score_args("--executor", "ray", "--ray-address", f"127.0.0.1:{port}"))
    assert time.monotonic() - start < 30
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [f"mteval: error: cannot reach the Ray cluster at 127.0.0.1:{port}: "
                                                "Connection refused"]


@pytest.mark.parametrize("address, message", [("nohost", "expected HOST:PORT"), ("", "expected HOST:PORT")])
def test_malformed_address(address, message):
    pytest.importorskip("ray", reason="the ray extra is not installed")
    proc = _mteval(_score_args("--executor", "ray", "--ray-address", address))
    assert proc.returncode == 2 and message in proc.stderr and len(proc.stderr.splitlines()) == 1, proc.stderr


def test_ray_address_needs_ray_executor():
    proc = _mteval(_score_args("--ray-address", "127.0.0.1:6379"))
    assert proc.returncode == 2
    assert proc.stderr == "mteval: error: --ray-address needs --executor ray\n"


def test_unknown_executor_is_a_usage_error():
    proc = _mteval(_score_args("--executor", "spark"))
    assert proc.returncode == 2 and "invalid choice: 'spark'" in proc.stderr


@pytest.mark.parametrize("setting, message", [
    ("{kind: spark}", "executor.kind: Input should be 'local' or 'ray'"),
    ("{kind: local, address: 'h:1'}", "executor: 'address' and 'gpus_per_worker' need kind 'ray'"),
    ("{kind: ray, gpus_per_worker: -1}", "executor.gpus_per_worker: expected a number >= 0, got -1"),
    ("{kind: ray, gpus_per_worker: 'half'}", "executor.gpus_per_worker: expected a number >= 0, got 'half'"),
    ("{kind: ray, address: ''}", "executor.address: expected non-empty text, got ''"),
    ("{kind: ray, workers: 2}", "executor.workers: Extra inputs are not permitted"),
])
def test_executor_config_is_strict(tmp_path, setting, message):
    path = tmp_path / "run.yaml"
    path.write_text(f"name: x\nexecutor: {setting}\ntestsets:\n- {{name: t, langs: de-fr, format: text, "
                    f"source: s, references: r}}\n", encoding="utf-8")
    with pytest.raises(UserError) as err:
        load_config(path)
    assert message in str(err.value)


def test_executor_config_read(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("name: x\nexecutor: {kind: ray, address: 'head:6379', gpus_per_worker: 0.5}\ntestsets:\n"
                    "- {name: t, langs: de-fr, format: text, source: s, references: r}\n", encoding="utf-8")
    spec = load_config(path)[0].executor.spec()
    assert (spec.kind, spec.address, spec.gpus_per_worker) == ("ray", "head:6379", 0.5)


def run_config_file(tmp_path, executor: str = "") -> str:
    """A one-test-set config on the bundled es-en corpus, lexical metrics, no cache or history."""
    es = CORPORA / "es-en"
    path = tmp_path / "run.yaml"
    path.write_text(f"name: r\noutput: {tmp_path / 'out'}\ncache: 'off'\nhistory: 'off'\n{executor}"
                    f"testsets:\n- {{name: es, langs: es-en, format: text, source: {es / 'source.es'}, "
                    f"references: {{A: {es / 'ref.A.en'}}}, systems: '{es}/hyp.*.en'}}\n", encoding="utf-8")
    return str(path)


def test_run_ray_address_needs_ray_executor(tmp_path):
    proc = _mteval(["run", run_config_file(tmp_path), "--ray-address", "127.0.0.1:6379"])
    assert (proc.returncode, proc.stderr) == (2, "mteval: error: --ray-address needs --executor ray\n")


def test_run_config_executor_unreachable_before_any_work(tmp_path):
    pytest.importorskip("ray", reason="the ray extra is not installed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = run_config_file(tmp_path, f"executor: {{kind: ray, address: '127.0.0.1:{port}'}}\n")
    proc = _mteval(["run", config])
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [f"mteval: error: cannot reach the Ray cluster at 127.0.0.1:{port}: "
                                                "Connection refused"]
    assert not (tmp_path / "out").exists()


def test_run_executor_flag_overrides_config(tmp_path):
    config = run_config_file(tmp_path, "executor: {kind: ray, address: '127.0.0.1:1'}\n")
    proc = _mteval(["run", config, "--executor", "local"], prelude="sys.modules['ray'] = None")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / "results.json").is_file()


class _BrokenOnMarker:
    """A metric that raises a user error on a system whose first segment is BROKEN."""

    def segment_stats(self, hypotheses, prepared):
        if hypotheses and hypotheses[0] == "BROKEN":
            raise UserError("hyp.b.en:1: broken")
        return super().segment_stats(hypotheses, prepared)


def test_a_stopped_run_keeps_its_finished_chunks(tmp_path):
    """Each finished (metric, system) is cached as it finishes, not when the test set
    is done: after a run that stops on its second system, a rerun computes only that one."""
    from eval.config import metric_specs
    from eval.corpora.model import TestSet
    from eval.scoring import build_metrics, score_testset
    from eval.store import StatsCache

    lines = {name: (CORPORA / "es-en" / name).read_text(encoding="utf-8").splitlines()
             for name in ("source.es", "ref.A.en", "hyp.literal.en", "hyp.strong.en")}
    bleu = build_metrics(metric_specs(["bleu"]), "en")["bleu"]
    broken = type("BrokenBleu", (_BrokenOnMarker, type(bleu)), {})(trg_lang="en")
    ts = TestSet("es", "es", "en", lines["source.es"], {"A": lines["ref.A.en"]},
                 {"a": lines["hyp.literal.en"], "b": ["BROKEN", *lines["hyp.strong.en"][1:]]})
    cache = StatsCache(tmp_path / "stats.sqlite")
    with pytest.raises(UserError, match="hyp.b.en:1: broken"):
        score_testset(ts, {"bleu": broken}, cache, 1)
    rerun = score_testset(ts, {"bleu": bleu}, cache, 1)
    cache.close()
    assert (rerun.cached_segments, rerun.computed_segments) == (len(ts), len(ts))


def _private_network() -> bool:
    try:
        subprocess.run(["unshare", "-n", "sh", "-c", "ip link set lo up"], check=True, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return True


@pytest.mark.slow
def test_two_node_ray_cluster():
    """tests/ray_cluster_cases.py on a real two-node cluster, loopback only."""
    pytest.importorskip("ray", reason="the ray extra is not installed (pip install 'mteval[ray]')")
    need(WMT22 / "txt")
    if not _private_network():
        pytest.skip("unshare -n is not permitted here (CI runs as root): the cluster needs a private network")
    cases = "tests/ray_cluster_cases.py"
    command = f"ip link set lo up && exec {sys.executable} -m pytest {cases} -q -x -p no:cacheprovider"
    # Own session: on a timeout the whole group goes, Ray's node processes included.
    proc = subprocess.Popen(["unshare", "-n", "sh", "-c", command], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            # one torch thread, as Ray's actors have: BERTScore with 1 and 2
                            # intra-op threads differs by up to 1.2e-7 (docs/SCALE.md)
                            env={**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"})
    try:
        stdout, stderr = proc.communicate(timeout=480)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, _ = proc.communicate()
        pytest.fail(f"the cluster cases hung past 480 s:\n{stdout[-6000:]}")
    assert proc.returncode == 0, stdout[-6000:] + stderr[-3000:]
    assert " passed" in stdout and "skipped" not in stdout, stdout[-3000:]
