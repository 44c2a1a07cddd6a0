"""The neural metrics registry: names, options, and life without torch."""
import subprocess
import sys

import pytest

from eval.errors import UserError
from eval.metrics.neural import build_neural_metric, neural_metric_names

WITHOUT_TORCH = """
import sys
sys.modules['torch'] = None; sys.modules['transformers'] = None   # an install without the extra
import eval.metrics, eval.metrics.neural, eval.models.loading, eval.commands.models
from eval.errors import UserError
from eval.metrics import build_metric
build_metric('chrf')
for name in ('bertscore', 'comet', 'cometkiwi', 'xsim', 'metricx', 'metricx-qe'):
    try:
        build_metric(name)
    except UserError as err:
        print(err)
"""


def test_names():
    assert neural_metric_names() == ["bertscore", "comet", "cometkiwi", "xsim", "offtarget", "metricx", "metricx-qe"]
    with pytest.raises(UserError, match="unknown neural metric"):
        build_neural_metric("bleurt")


def test_without_torch_the_package_imports_and_model_metrics_say_what_to_install():
    out = subprocess.run([sys.executable, "-c", WITHOUT_TORCH], capture_output=True, text=True, check=True).stdout
    lines = out.strip().splitlines()
    assert len(lines) == 6 and all(line.endswith("pip install 'mteval[models]'") for line in lines), out


def test_unknown_option_is_a_user_error():
    pytest.importorskip("transformers")
    with pytest.raises(UserError, match="unknown option 'modle'"):
        build_neural_metric("bertscore", modle="x")
