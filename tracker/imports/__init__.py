"""Importing activities from a spreadsheet: a template, an upload kept in the database, a preview, a confirm."""
