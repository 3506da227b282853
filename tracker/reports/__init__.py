"""The annual Board evaluation and the final evaluation, as PDF."""
