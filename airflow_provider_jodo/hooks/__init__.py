"""All I/O with the platforms: `jodo.JodoHook`, over the file submission, transport and connection."""
