"""The supervisor's team dashboard: every child of the team by urgency, and each practitioner's load."""
