"""Authorities, units, sites, devices, providers and people."""
