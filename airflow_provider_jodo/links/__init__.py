"""Operator extra links: buttons on a task that open the platform console."""
