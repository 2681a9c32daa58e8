"""Figures drawn from the aggregated tables."""
