"""Review of assessments and indicator values: the Secretary General's queue and each author's updates."""
