"""Stage 1-3a: read environment files with positions, resolve `extends:`, check the input JSON Schema."""
