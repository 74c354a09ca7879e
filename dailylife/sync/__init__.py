"""The JSON API under /api/v1: the sync protocol and the caseload briefs (DESIGN.md section 4)."""
