"""The optional torch/transformers stack, imported only when a model metric runs."""
from __future__ import annotations

from importlib import import_module
from types import ModuleType

from eval.errors import UserError

INSTALL_HINT = "pip install 'mteval[models]'"


def require_module(module: str, what: str) -> ModuleType:
    try:
        return import_module(module)
    except ImportError as exc:
        raise UserError(f"{what} needs {module}, which is not installed: {INSTALL_HINT}") from exc


def require_torch(what: str = "model-based metrics") -> ModuleType:
    """torch, or a UserError telling the user what to install."""
    return require_module("torch", what)


def require_transformers(what: str = "model-based metrics") -> ModuleType:
    """transformers (and torch), or a UserError telling the user what to install."""
    require_torch(what)
    return require_module("transformers", what)
