"""Yearly assessment of each outcome, its review, and the yearly lock."""
