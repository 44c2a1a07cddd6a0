"""mteval: translation-quality evaluation harness (import name ``eval``)."""
__version__ = "0.1.0"
