"""Stage 4: the environment model, with every default and derived value computed once."""
