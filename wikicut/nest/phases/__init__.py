"""The search's phases, run in turn by search.py: the order search on sheets (order), fitting
parts left out and one sheet fewer of a stock list's kinds (fit), cutting-stock patterns
(patterns), a strip's target-length search and overlap removal (strip), sheet elimination
(eliminate)."""
