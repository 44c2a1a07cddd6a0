"""Scoring an alignment against gold beads of documents whose sizes are known."""
from __future__ import annotations

import pytest

from eval.align.scoring import accuracy, score_alignment
from eval.errors import UserError

GOLD = [((0,), (0,)), ((1, 2), (1,)), ((3,), (2, 3))]


def test_matching_sizes_score_as_accuracy_does():
    test = [((0,), (0,)), ((1,), (1,)), ((2,), ()), ((3,), (2, 3))]
    assert score_alignment([GOLD], [test], [(4, 4)]) == accuracy([GOLD], [test])


@pytest.mark.parametrize(("sizes", "message"), [
    ([(3, 4)], r"^doc\.txt \(gold\): bead 3 \(\[3\]:\[2, 3\]\) names sentence 3, but the source has 3 sentences"),
    ([(4, 5)], r"^doc\.txt \(gold\): the beads end at sentence 3 of the target, which has 5 sentences"),
])
def test_gold_that_does_not_fit_the_document_is_one_line(sizes, message):
    with pytest.raises(UserError, match=message) as caught:
        score_alignment([GOLD], [GOLD], sizes, ["doc.txt"])
    assert "\n" not in str(caught.value)


def test_an_alignment_of_other_splits_is_one_line():
    other = [((0,), (0,)), ((1,), (1,)), ((2,), (2,)), ((3,), (3,)), ((4,), (4,))]
    with pytest.raises(UserError, match=r"^document 1 \(aligned\): bead 5 .* names sentence 4, but the source has 4"):
        score_alignment([GOLD], [other], [(4, 4)])


def test_one_size_per_document():
    with pytest.raises(UserError, match="1 gold documents, 1 aligned, 2 sizes"):
        score_alignment([GOLD], [GOLD], [(4, 4), (4, 4)])
