"""All I/O with the platforms: `jodo.JodoHook`, over the file job submission, transport and connection."""
