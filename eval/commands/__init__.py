"""Subcommands of ``mteval``; each module defines ``register(subparsers)``."""
