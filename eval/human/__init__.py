"""Human judgments and outside metric scores in, matched to a run's systems.

Loaders return ``Judgments`` (scores by system and 1-based segment id);
``names`` matches their system names to the run's; ``agreement`` builds the
matrices from a run directory and computes the ``meta`` block with eval.meta.
"""
from .judgments import Judgments
from .load import DA_SCORES, HUMAN_FORMATS, load_human, load_metric_scores
from .names import NameMatch, match_systems

__all__ = ["Judgments", "DA_SCORES", "HUMAN_FORMATS", "load_human", "load_metric_scores", "NameMatch", "match_systems"]
