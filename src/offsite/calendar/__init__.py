"""Working days and legal deadlines."""
