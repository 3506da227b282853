"""Telling people what needs them: notifications in the tracker (the bell) and by email, now or in a daily digest."""
