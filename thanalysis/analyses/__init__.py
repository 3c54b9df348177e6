"""Analyses: one module per report, each ``run_<report>(store, **params)`` returning a results dataclass.

They compute only: tables and numbers from a store, via ``geography`` and ``stats``. They draw nothing
and write no words; ``figures`` and ``narrative`` take their results, and notebooks only call run,
figures, narrative and save.
"""
