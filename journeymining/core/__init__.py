"""Pieces every other part of journeymining uses: columns, errors, durations, progress, the event-log core."""
