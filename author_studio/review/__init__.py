"""Review support without Qt: checks shown with each variant, word diffs and the
review queue. The decisions themselves are made by
:class:`author_studio.services.variants.VariantService`."""
