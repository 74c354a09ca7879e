"""Media: photos and children's drawings attached to entries."""
