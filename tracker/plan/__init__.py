"""The plan's hierarchy (lines, axes, outcomes) and its reference lists."""
