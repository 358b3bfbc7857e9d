"""Pieces every other part of journeymining uses: the embedded engine."""
