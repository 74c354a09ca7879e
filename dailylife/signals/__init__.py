"""Practice signals: patterns in a child's record that a supervisor needs to see in time.

Signals are computed from the entries (never stored, never dismissed by hand), each with the
entries that raised it, as of "now". ``catalogue`` names them, ``settings`` holds the thresholds,
``facts`` reads the record, ``rules`` decides, ``compute`` puts it together for many children.
"""
