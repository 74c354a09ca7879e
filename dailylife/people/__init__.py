"""People: teams, users, allocations to children, sign-in and the admin pages."""
