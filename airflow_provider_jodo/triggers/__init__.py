"""Triggers that wait for the platform in the triggerer, freeing the worker slot."""
