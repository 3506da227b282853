"""The record: who changed what, when, with the values before and after."""
