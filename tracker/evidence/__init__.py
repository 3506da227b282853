"""Evidence: files, links and notes that prove what was done."""
