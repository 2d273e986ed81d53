"""Sensors that wait for the platform, e.g. for an importCJI job to end."""
