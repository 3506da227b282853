"""Each role's home: where the site root and a login land, the staff's "My work" and the Board's evaluation."""
