"""Aimaq (Kazakh «аймақ», region): monitoring and analysis of regional development."""

__version__ = "0.1.0"
