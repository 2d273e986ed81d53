"""The hook and its parts: all I/O with the platform (`jodo.JodoHook` is the facade)."""
