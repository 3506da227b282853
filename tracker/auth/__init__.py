"""Accounts, roles, login and access control."""
