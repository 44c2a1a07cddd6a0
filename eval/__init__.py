"""mteval: translation-quality evaluation harness (import name ``eval``).

From Python::

    import eval
    run = eval.score({"mine": hyps}, [refs], langs="de-en", metrics=["bleu", "chrf"])
    run.system_table()      # tidy DataFrame: testset, system, metric, score, signature
"""
__version__ = "0.1.0"

_API = ("score", "run_config_file", "read_run", "human_agreement")


def __getattr__(name: str):
    """Load the API on first use, so ``import eval`` stays light."""
    if name in _API:
        from . import api

        return getattr(api, name)
    raise AttributeError(name)
