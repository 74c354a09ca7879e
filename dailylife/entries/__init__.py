"""Entries: the unit of recording, sync and chronology, and the one path that writes them."""
