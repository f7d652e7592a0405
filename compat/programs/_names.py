"""Synthetic names for the makemore programs (made up here from syllables; no data is downloaded)."""

STARTS = ["ka", "ma", "lu", "el", "an", "ri", "so", "be", "jo", "ze", "ta", "ni"]
ENDS = ["ra", "na", "li", "o", "ette", "bel", "ny", "sha", "den", "x"]
WORDS = [start + end for start in STARTS for end in ENDS] + ["ava", "emma", "noah", "liam", "mia"]
