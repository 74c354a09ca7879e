"""The child's voice: what the child said and showed, their three houses, a day in their life, and
child mode (the tablet handed to the child). Voice entries themselves are ordinary entries
(``entries``); who may read which of them is decided in ``access``."""
