"""Commands of the activities feature."""
