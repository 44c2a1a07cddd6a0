"""Typed values from command-line text or YAML: one parser per kind.

Metric options (``-o bleu.lowercase=true`` and config metric dicts), config
keys and numeric command-line flags all parse through these, so a value that
is not what the option expects is an error everywhere, never silently read as
something else (``"off"`` used to count as true because it is a non-empty
string). Each ``parse`` takes a string or an already typed YAML value and
raises ``ValueError`` with a message that says what was expected; callers add
where the value came from.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any

TRUE = ("true", "yes", "1")
FALSE = ("false", "no", "0")


def shown(value: Any) -> str:
    """The value as the user wrote it: ``'off'`` for text, ``null`` for YAML null."""
    return "null" if value is None else repr(value)


@dataclass(frozen=True)
class Flag:
    """A boolean: YAML true/false, 1/0, or true/false/yes/no/1/0 in any case."""

    def parse(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            word = value.strip().lower()
            if word in TRUE or word in FALSE:
                return word in TRUE
        raise ValueError(f"expected a boolean (true/false/yes/no/1/0), got {shown(value)}")


@dataclass(frozen=True)
class Integer:
    """A whole number, optionally bounded (inclusive)."""

    minimum: int | None = None
    maximum: int | None = None

    def describe(self) -> str:
        if self.minimum == 1 and self.maximum is None:
            return "a positive integer"
        if self.minimum == 0 and self.maximum is None:
            return "a non-negative integer"
        if self.minimum is not None and self.maximum is not None:
            return f"an integer from {self.minimum} to {self.maximum}"
        return "an integer" + (f" >= {self.minimum}" if self.minimum is not None else "") + (
            f" <= {self.maximum}" if self.maximum is not None else "")

    def parse(self, value: Any) -> int:
        number = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str):
            try:
                number = int(value.strip())
            except ValueError:
                pass
        if number is None or (self.minimum is not None and number < self.minimum) or (
                self.maximum is not None and number > self.maximum):
            raise ValueError(f"expected {self.describe()}, got {shown(value)}")
        return number


@dataclass(frozen=True)
class Number:
    """A finite real number, optionally bounded; ``below``/``above`` are exclusive bounds."""

    minimum: float | None = None
    maximum: float | None = None
    above: float | None = None
    below: float | None = None

    def describe(self) -> str:
        if self.above == 0 and self.below == 1:
            return "a number between 0 and 1 (exclusive)"
        if self.minimum == 0 and self.maximum == 1:
            return "a number from 0 to 1"
        bounds = [f">= {self.minimum}" if self.minimum is not None else "",
                  f"> {self.above}" if self.above is not None else "",
                  f"<= {self.maximum}" if self.maximum is not None else "",
                  f"< {self.below}" if self.below is not None else ""]
        return " ".join(["a number", *(b for b in bounds if b)])

    def parse(self, value: Any) -> float:
        number = None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            number = float(value)
        elif isinstance(value, str):
            try:
                number = float(value.strip())
            except ValueError:
                pass
        if number is None or not math.isfinite(number) or not self._within(number):
            raise ValueError(f"expected {self.describe()}, got {shown(value)}")
        return number

    def _within(self, x: float) -> bool:
        return ((self.minimum is None or x >= self.minimum) and (self.maximum is None or x <= self.maximum)
                and (self.above is None or x > self.above) and (self.below is None or x < self.below))


@dataclass(frozen=True)
class Choice:
    """One of a fixed set of words (case-sensitive, as the underlying library is)."""

    values: tuple[str, ...]

    def parse(self, value: Any) -> str:
        if isinstance(value, str) and value in self.values:
            return value
        raise ValueError(f"expected one of {', '.join(self.values)}, got {shown(value)}")


@dataclass(frozen=True)
class Text:
    """Free text (a model name, a device, a label); empty only where ``empty`` says so."""

    empty: bool = False

    def parse(self, value: Any) -> str:
        if isinstance(value, os.PathLike):  # a model directory given from Python
            value = os.fspath(value)
        if isinstance(value, str) and (value or self.empty):
            return value
        raise ValueError(f"expected {'text' if self.empty else 'non-empty text'}, got {shown(value)}")


Kind = Flag | Integer | Number | Choice | Text

FLAG = Flag()
TEXT = Text()
POSITIVE = Integer(minimum=1)
NON_NEGATIVE = Integer(minimum=0)
SEED = NON_NEGATIVE  # numpy's default_rng takes any non-negative integer
PROBABILITY = Number(above=0, below=1)
