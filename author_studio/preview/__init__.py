"""Play mode without Qt: the play engine, journey replay and sampled viewer paths."""
