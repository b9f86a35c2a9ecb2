"""Outputs of a run: tidy tables, per-city summaries, the fit table, run folders, report, plots.

They read a finished model (`output.tables`) or the tables it produced; nothing here runs one.
"""
