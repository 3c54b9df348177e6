"""thanalysis: inequalities, cross-borough and priority-trend analysis for Tower Hamlets Together.

Data moves one way: ``data`` (read + validate) → ``geography`` / ``stats`` / ``narrative`` →
notebooks → ``publish`` (HTML site). The library never imports from ``publish``.
"""
__version__ = "0.1.0"
