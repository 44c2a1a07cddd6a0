"""Long inputs for model metrics: split at sentences, align, score pieces, weigh by length.

A model reads at most a fixed number of tokens; a paragraph or a document is
longer. Instead of cutting it there (and scoring only its beginning), a
segment that is too long is split into pieces of whole hypothesis sentences,
the source and references are aligned to those pieces, each piece triple is
scored by the metric as an ordinary segment, and the segment's score is the
mean of the piece scores weighted by hypothesis tokens (docs/MODELS.md,
"Long inputs"). ``pieces`` plans the split (text only), ``metric`` wraps a
model metric with it.
"""
