"""The MetricX-24 forward pass on current transformers.

mT5 encoder over the whole input -> one decoder step from token 0 (the
decoder start token) attending to it -> the logit of token 250089
(``<extra_id_10>``) -> clipped to [0, 25]; lower is better. Only that one
row of the language-model head is kept: the other 250k logits are never
looked at, so computing them would be wasted work.
"""
from __future__ import annotations

import copy

import torch
from torch import nn

from eval.errors import UserError
from eval.models.metricx_checkpoint import SCORE_TOKEN

MAX_SCORE = 25.0
# transformers itself never loads this one (the cross-attention has no relative bias)
_IGNORED = {"decoder.block.0.layer.1.EncDecAttention.relative_attention_bias.weight"}
_TIED = {"encoder.embed_tokens.weight", "decoder.embed_tokens.weight"}


def _stack(config, decoder: bool, embeddings: nn.Embedding) -> nn.Module:
    from transformers.models.mt5.modeling_mt5 import MT5Stack

    part = copy.deepcopy(config)
    part.is_decoder = decoder
    part.use_cache = False
    part.is_encoder_decoder = False
    if decoder:
        part.num_layers = config.num_decoder_layers
    stack = MT5Stack(part)
    stack.embed_tokens = embeddings
    return stack


class MetricXModel(nn.Module):
    def __init__(self, config, tied: bool) -> None:
        """``tied``: the checkpoint's ``tie_word_embeddings`` as written in its config.json
        (transformers 5's MT5Config forces it to True, MetricX publishes False)."""
        super().__init__()
        self.config = config
        self.tied = tied
        self.shared = nn.Embedding(config.vocab_size, config.d_model)
        self.encoder = _stack(config, False, self.shared)
        self.decoder = _stack(config, True, self.shared)
        self.score_row = nn.Parameter(torch.zeros(config.d_model))
        # tied heads rescale the decoder output first, as MT5ForRegression does
        self.scale = config.d_model ** -0.5 if tied else 1.0

    @classmethod
    def from_state(cls, config, tied: bool, state: dict, where: str) -> "MetricXModel":
        """Built on the meta device, then given the checkpoint's tensors (no random init, no copy)."""
        with torch.device("meta"):
            model = cls(config, tied)
        head = "shared.weight" if tied else "lm_head.weight"
        renamed = {}
        for key, value in state.items():
            if key in _IGNORED or key in _TIED or (key == "lm_head.weight" and head != key):
                continue
            if key == head:
                renamed["score_row"] = value[SCORE_TOKEN].clone()
            if key == "shared.weight" or key.startswith(("encoder.", "decoder.")):
                renamed[key] = value
            elif key != head:
                raise UserError(f"{where}: unexpected tensor {key!r} in a MetricX checkpoint")
        own = model.state_dict()
        missing = sorted(k for k in own if k not in renamed and k not in _TIED)
        if missing:
            raise UserError(f"{where}: MetricX checkpoint lacks {missing[0]!r} (does config.json match it?)")
        for key, value in renamed.items():
            if tuple(value.shape) != tuple(own[key].shape):
                raise UserError(f"{where}: tensor {key!r} has shape {tuple(value.shape)}, "
                                f"config.json implies {tuple(own[key].shape)}")
        model.load_state_dict(renamed, assign=True, strict=False)
        model.encoder.embed_tokens = model.shared
        model.decoder.embed_tokens = model.shared
        return model.eval()

    @property
    def dtype(self) -> torch.dtype:
        return self.score_row.dtype

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        encoded = self.encoder(input_ids=input_ids, attention_mask=attention_mask, use_cache=False).last_hidden_state
        start = torch.zeros((input_ids.shape[0], 1), dtype=torch.long, device=input_ids.device)
        decoded = self.decoder(input_ids=start, encoder_hidden_states=encoded, encoder_attention_mask=attention_mask,
                               use_cache=False).last_hidden_state[:, 0]
        logits = (decoded * self.scale) @ self.score_row
        return torch.clamp(logits, 0.0, MAX_SCORE)
