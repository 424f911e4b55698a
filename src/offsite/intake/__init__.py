"""Raw records and their normalisation into observations."""
