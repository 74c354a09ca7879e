"""Practice signals: patterns in a child's record that a supervisor needs to see in time.

Signals are computed from the entries as of "now" (never stored, never dismissed by hand), each
with the entries that raised it. ``catalogue`` names them; ``settings`` holds the thresholds and
``workdays`` counts working days; ``facts`` is the SQL vocabulary and ``queries`` the statements
built from it; ``rules`` decides; ``compute`` puts it together for many children at once;
``supervision`` is what the oversight page starts from.
"""
