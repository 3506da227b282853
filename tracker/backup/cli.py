"""Commands of the backup feature."""
