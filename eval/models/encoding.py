"""Running an encoder over many texts: truncation, length-sorted batches, layer choice.

Batches are formed from texts of similar token length so padding wastes
little compute, and are bounded by a token budget so memory stays flat on
large corpora. Outputs come back in input order.
"""
from __future__ import annotations

import copy
import logging
import sys
from dataclasses import dataclass
from typing import Callable, Iterator, Sequence

from eval.models.loading import LoadedModel

log = logging.getLogger("eval.models")
TOKEN_BUDGET = 8192
MAX_BATCH = 64


@dataclass
class Tokenized:
    ids: list[list[int]]
    truncated: int  # how many texts were cut to the model's limit
    cut: tuple[int, ...] = ()  # which ones (indices into the texts)


def tokenize(loaded: LoadedModel, texts: Sequence[str]) -> Tokenized:
    """Token ids with special tokens, cut to the model limit exactly as
    ``truncation=True`` does (the few long texts are re-encoded that way)."""
    tokenizer = loaded.tokenizer
    ids = tokenizer(list(texts), add_special_tokens=True, truncation=False)["input_ids"] if texts else []
    long = [i for i, row in enumerate(ids) if len(row) > loaded.max_length]
    if long:
        cut = tokenizer([texts[i] for i in long], add_special_tokens=True, truncation=True,
                        max_length=loaded.max_length)["input_ids"]
        for i, row in zip(long, cut):
            ids[i] = row
    return Tokenized(ids, len(long), tuple(long))


def token_counts(tokenizer, texts: Sequence[str]) -> list[int]:
    """Tokens per text with special tokens and nothing cut: what decides truncation."""
    if not texts:
        return []
    return [len(row) for row in tokenizer(list(texts), add_special_tokens=True, truncation=False)["input_ids"]]


def warn_truncated(what: str, count: int, limit: int, _seen: set = set()) -> None:
    """One warning per kind of input per process; the count is kept by the caller."""
    if count and what not in _seen:
        _seen.add(what)
        log.warning("%d %s longer than the model limit of %d tokens were truncated", count, what, limit)


def length_batches(lengths: Sequence[int], budget: int = TOKEN_BUDGET, max_batch: int = MAX_BATCH
                   ) -> Iterator[list[int]]:
    """Indices grouped longest first, each group's padded size within ``budget`` tokens."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batch: list[int] = []
    for i in order:
        width = lengths[batch[0]] if batch else lengths[i]
        if batch and (len(batch) + 1) * width > budget or len(batch) == max_batch:
            yield batch
            batch = []
        batch.append(i)
    if batch:
        yield batch


def upto_layer(model, layer: int | None):
    """The encoder cut after ``layer`` blocks (0 = embeddings), sharing weights.

    Running only the needed blocks saves the cost of the rest. ``None`` (or
    the last layer) returns the model itself; models without a BERT-style
    ``encoder.layer`` list return ``None`` (the caller asks for hidden states).
    """
    encoder = getattr(model, "encoder", None)
    blocks = getattr(encoder, "layer", None)
    if layer is None or (blocks is not None and layer >= len(blocks)):
        return model
    if blocks is None:
        return None
    cut = copy.copy(model)
    cut._modules = dict(model._modules)
    cut_encoder = copy.copy(encoder)
    cut_encoder._modules = dict(encoder._modules)
    cut_encoder._modules["layer"] = blocks[:layer]
    cut._modules["encoder"] = cut_encoder
    return cut


def encode(loaded: LoadedModel, ids: Sequence[Sequence[int]], layer: int | None,
           reduce: Callable, desc: str = "encoding") -> list:
    """Run the model on every id list and return ``reduce(hidden, mask)`` per text.

    ``hidden`` is the float32 output (batch, tokens, dim) of ``layer`` and
    ``mask`` the attention mask; ``reduce`` returns one item per row.
    """
    import torch
    from tqdm import tqdm

    model = upto_layer(loaded.model, layer)
    all_states = model is None
    model = loaded.model if all_states else model
    pad = loaded.tokenizer.pad_token_id or 0
    out: list = [None] * len(ids)
    batches = list(length_batches([len(row) for row in ids]))
    with torch.inference_mode():
        for batch in tqdm(batches, desc=desc, unit="batch", disable=not sys.stderr.isatty(), leave=False):
            width = max(len(ids[i]) for i in batch)
            input_ids = torch.full((len(batch), width), pad, dtype=torch.long)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            for row, i in enumerate(batch):
                input_ids[row, :len(ids[i])] = torch.tensor(ids[i], dtype=torch.long)
                mask[row, :len(ids[i])] = 1
            output = model(input_ids=input_ids.to(loaded.device), attention_mask=mask.to(loaded.device),
                           output_hidden_states=all_states)
            hidden = (output.hidden_states[layer] if all_states else output.last_hidden_state).float().cpu()
            for row, item in zip(batch, reduce(hidden, mask)):
                out[row] = item
    return out
