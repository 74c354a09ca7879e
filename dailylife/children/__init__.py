"""Children: the case, the caseload, the child's page and the household derived from entries."""
