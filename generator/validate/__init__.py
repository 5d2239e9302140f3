"""Stage 6: rendered objects against the pinned release's CRD schemas and CEL rules, mapped back to the input."""
