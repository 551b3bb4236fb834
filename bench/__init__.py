"""Benchmarks: they print figures measured side by side in one run; they never gate CI."""
