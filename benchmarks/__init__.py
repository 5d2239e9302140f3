"""`make bench` (run.py): the figures of docs/benchmarks.md; a package so that tests can read its inputs."""
