"""The core every feature stands on: it imports no feature."""
