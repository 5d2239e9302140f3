"""Pull-request review: what a change of the environments does to the rendered objects and to the running
Ray workloads (`diff`), and the capacity each environment asks of its cluster (`capacity`)."""
