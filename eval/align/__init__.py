"""Alignment: hypothesis re-segmentation (same language) and cross-lingual sentence alignment."""
