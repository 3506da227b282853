"""What the Secretariat did, recorded against the plan's outcomes."""
