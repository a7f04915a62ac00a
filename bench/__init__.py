"""papertui's benchmark: synthetic page dumps (:mod:`bench.generate`) and the runner
(:mod:`bench.run`, ``python -m bench.run``)."""
