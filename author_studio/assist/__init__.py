"""The AI assistant: providers, prompts, the offline drafter and drafting jobs.

Imports no Qt. :mod:`author_studio.assist.factory` builds the configured
provider; :mod:`author_studio.assist.service` drafts and stores variants.
"""
