"""Pure wire-format helpers (no I/O): parsing vendor bodies, encoding parameters, redaction."""
