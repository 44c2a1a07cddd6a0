"""The COMET forward pass on current torch/transformers.

Encoder (XLM-R) -> every layer's hidden states -> scalar mix of layers
(softmax or sparsemax weights, optional per-sentence layer norm, times gamma)
-> sentence embedding (average over tokens, max, or first token) ->
feed-forward estimator. The regression family embeds source, hypothesis and
reference separately and feeds [mt, ref, mt*ref, |mt-ref|, mt*src, |mt-src|]
(reference-free: [mt, src, mt*src, |mt-src|]); the unified family (CometKiwi)
encodes ``<s> mt </s></s> src </s>`` jointly and scores its first token.
xCOMET is unified and also tags every token (no error / minor / major /
critical) with a linear layer on one hidden state (``word_layer``).
"""
from __future__ import annotations

import torch
from torch import nn

from eval.errors import UserError
from eval.models.comet_checkpoint import UNIFIED, XCOMET_LABELS


def sparsemax(z: torch.Tensor) -> torch.Tensor:
    """Euclidean projection of a vector onto the simplex (Martins & Astudillo, 2016)."""
    ordered, _ = torch.sort(z, descending=True)
    k = torch.arange(1, len(z) + 1, dtype=z.dtype, device=z.device)
    cumulative = ordered.cumsum(0) - 1
    support = (k * ordered > cumulative).sum()
    tau = cumulative[support - 1] / support
    return torch.clamp(z - tau, min=0)


class LayerMix(nn.Module):
    """COMET's layer-wise attention, inference only."""

    def __init__(self, n_layers: int, transformation: str, layer_norm: bool) -> None:
        super().__init__()
        self.weights = nn.Parameter(torch.zeros(n_layers))
        self.gamma = nn.Parameter(torch.ones(1))
        # comet >= 2.2.4 reads the value "sparsemax_patch" as softmax
        self.transform = sparsemax if transformation == "sparsemax" else (lambda w: torch.softmax(w, dim=0))
        self.layer_norm = layer_norm

    def forward(self, layers: tuple[torch.Tensor, ...], mask: torch.Tensor) -> torch.Tensor:
        weights = self.transform(self.weights)
        mixed = None
        mask = mask.float()
        for weight, tensor in zip(weights, layers):
            if self.layer_norm:
                tensor = _masked_sentence_norm(tensor, mask)
            term = weight * tensor
            mixed = term if mixed is None else mixed + term
        return self.gamma * mixed


def _masked_sentence_norm(tensor: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Normalise each sentence by the mean and variance over its real tokens and all dims."""
    broadcast = mask.unsqueeze(-1)
    batch, _, dim = tensor.shape
    count = mask.sum(1) * dim
    masked = tensor * broadcast
    mean = (masked.view(batch, -1).sum(1) / count).view(batch, 1, 1)
    variance = (((masked - mean) * broadcast) ** 2).view(batch, -1).sum(1) / count
    return (tensor - mean) / torch.sqrt(variance + 1e-12).view(batch, 1, 1)


def feed_forward(in_dim: int, hidden_sizes: list[int], activation: str, final: str | None) -> nn.Sequential:
    """Same module order as COMET's FeedForward, so state-dict indices line up."""
    def act(name: str) -> nn.Module:
        if not hasattr(nn, name.title()):
            raise UserError(f"unsupported COMET activation {name!r}")
        return getattr(nn, name.title())()

    modules: list[nn.Module] = []
    sizes = [in_dim, *hidden_sizes]
    for a, b in zip(sizes, sizes[1:]):
        modules += [nn.Linear(a, b), act(activation), nn.Dropout(0.0)]
    modules.append(nn.Linear(sizes[-1], 1))
    if final:
        modules.append(act(final))
    return nn.Sequential(*modules)


class CometModel(nn.Module):
    def __init__(self, hparams: dict, encoder: nn.Module, pad_id: int) -> None:
        super().__init__()
        self.family = hparams["class_identifier"]
        self.encoder = encoder
        self.pad_id = pad_id
        config = encoder.config
        layer = hparams.get("sent_layer" if self.family in UNIFIED else "layer", "mix")
        self.layer = layer
        n_states = config.num_hidden_layers + 1
        if layer != "mix" and not 0 <= layer < n_states:
            raise UserError(f"COMET hparams layer={layer} outside the encoder's 0..{n_states - 1}")
        self.mix = (LayerMix(n_states, hparams.get("layer_transformation", "softmax"), hparams.get("layer_norm", True))
                    if layer == "mix" else None)
        self.pool = hparams.get("pool", "avg")
        width = {"regression_metric": 6, "referenceless_regression_metric": 4}.get(self.family, 1)
        self.estimator = feed_forward(config.hidden_size * width, hparams.get("hidden_sizes", [3072, 1024]),
                                      hparams.get("activations", "Tanh"), hparams.get("final_activation"))
        self.hidden2tag = None
        if self.family == "xcomet_metric":
            self.word_layer = hparams.get("word_layer", 36)
            if not 0 <= self.word_layer < n_states:
                raise UserError(f"COMET hparams word_layer={self.word_layer} outside the encoder's 0..{n_states - 1}")
            self.hidden2tag = nn.Linear(config.hidden_size, 1 + len(XCOMET_LABELS))

    def load_comet_state(self, state: dict, where: str) -> None:
        renamed = {}
        for key, value in state.items():
            if key.startswith("encoder.model."):
                renamed["encoder." + key[len("encoder.model."):]] = value
            elif key.startswith("estimator.ff."):
                renamed["estimator." + key[len("estimator.ff."):]] = value
            elif key == "layerwise_attention.gamma":
                renamed["mix.gamma"] = value.reshape(1)
            elif key.startswith("layerwise_attention.scalar_parameters."):
                renamed.setdefault("_mix", {})[int(key.rsplit(".", 1)[1])] = value.reshape(())
            elif key.startswith("hidden2tag.") and self.hidden2tag is not None:
                renamed[key] = value
            elif key.startswith(("hidden2tag.", "layerwise_attention.dropout_")):
                continue  # a tagging head this family does not use, and training-time dropout buffers
            else:
                raise UserError(f"{where}: unexpected tensor {key!r} in COMET checkpoint")
        mix = renamed.pop("_mix", None)
        if mix is not None:
            renamed["mix.weights"] = torch.stack([mix[i] for i in range(len(mix))])
        own = self.state_dict()
        missing = sorted(k for k in own if k not in renamed and not k.endswith("position_ids"))
        if any(k.startswith("hidden2tag.") for k in missing):
            raise UserError(f"{where}: xCOMET checkpoint lacks the error tagger ({', '.join(missing[:2])}) "
                            "that class_identifier xcomet_metric needs")
        if missing:
            raise UserError(f"{where}: COMET checkpoint lacks {missing[0]!r} (does hparams.yaml match it?)")
        try:
            self.load_state_dict(renamed, strict=False)
        except RuntimeError as exc:
            raise UserError(f"{where}: COMET checkpoint does not fit its hparams ({str(exc).splitlines()[1].strip()})") from exc

    def sentence_embedding(self, input_ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self._embedding(self._states(input_ids, mask), input_ids, mask)

    def _states(self, input_ids: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return self.encoder(input_ids=input_ids, attention_mask=mask, output_hidden_states=True).hidden_states

    def _embedding(self, states, input_ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        hidden = self.mix(states, mask) if self.mix is not None else states[self.layer]
        if self.family in UNIFIED:
            return hidden[:, 0, :]
        if self.pool == "default":
            return states[-1][:, 0, :]
        if self.pool == "cls":
            return hidden[:, 0, :]
        pad = input_ids.eq(self.pad_id).unsqueeze(-1)
        if self.pool == "max":
            return hidden.float().masked_fill(pad, float("-inf")).max(dim=1).values.type_as(hidden)
        summed = hidden.float().masked_fill(pad, 0.0).sum(1)
        return (summed / mask.unsqueeze(-1).float().sum(1)).type_as(hidden)

    def regression(self, mt: torch.Tensor, src: torch.Tensor, ref: torch.Tensor | None) -> torch.Tensor:
        if ref is None:
            features = (mt, src, mt * src, torch.abs(mt - src))
        else:
            features = (mt, ref, mt * ref, torch.abs(mt - ref), mt * src, torch.abs(mt - src))
        return self.estimator(torch.cat(features, dim=1)).view(-1)

    def unified(self, input_ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.estimator(self.sentence_embedding(input_ids, mask)).view(-1)

    def tagged(self, input_ids: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """xCOMET: the sentence score and, per token, the probabilities of
        (no error, minor, major, critical), from one encoder pass."""
        states = self._states(input_ids, mask)
        score = self.estimator(self._embedding(states, input_ids, mask)).view(-1)
        return score, torch.softmax(self.hidden2tag(states[self.word_layer]).float(), dim=2)
