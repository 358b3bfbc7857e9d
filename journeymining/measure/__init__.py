"""Journey measures: the definitions (one place), and what is built on them (KPIs, CX map, pain points)."""
