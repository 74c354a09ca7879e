"""The chronology: a child's entries in date order, filtered, paged by keyset, printable, exported."""
