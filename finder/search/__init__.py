"""What is near: a search's parameters, nearest-first results, the spatial index."""
