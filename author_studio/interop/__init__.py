"""Import from Twine and ink, export Twee, Twine 2 HTML and story packages.

Nothing here imports Qt, so the same code serves the CLI, the GUI and the tests.
"""
