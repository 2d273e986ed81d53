"""What the vendors' platforms speak and mean.

Codes, models, the wire encoding and parsing, the job verdict.
"""
