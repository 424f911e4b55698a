"""Offsite: the off-site fire supervision platform of a city fire authority."""
