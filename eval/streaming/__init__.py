"""Streaming: score inputs larger than memory a chunk of rows at a time.

``readers`` yields aligned chunks from line-aligned text, JSONL or Parquet;
``loop`` scores each chunk (cache looked up and written per chunk), keeps only
column sums and per-segment statistics spilled to disk (``spill``); ``tables``
writes segments.parquet and texts.parquet in row groups as chunks finish;
``rundir`` turns all of that into the usual run directory. See docs/SCALE.md.
"""

DEFAULT_CHUNK_ROWS = 50_000  # lines per chunk: ~30 MB of texts and statistics for BLEU+chrF+TER, 2 systems
