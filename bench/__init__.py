"""Benchmarks that print figures (never assert on time)."""
