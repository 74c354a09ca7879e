"""Entries stuck on a tablet: sealed into a file on the device, opened and added on the server.

A tablet that cannot sync for a long time (broken, or out of signal for days) must never force a
choice between losing a record and keeping it forever. The practitioner exports what waits into a
file that only this server can open (the device encrypts it to the server's public key), hands it
to their supervisor, and the supervisor imports it: the entries go through the same checks as a
sync, so an import is idempotent and a later sync of the same items answers "duplicate".
"""
