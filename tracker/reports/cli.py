"""Commands of the reports feature."""
