"""AI assistance: providers, prompts and the local model."""
