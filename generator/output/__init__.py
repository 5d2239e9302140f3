"""Stage 7: deterministic serialization, comparison with and atomic replacement of the output directory."""
