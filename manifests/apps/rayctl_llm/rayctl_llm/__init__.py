"""rayctl's bundled LLM worker as a Ray Serve application (see ../README.md)."""
