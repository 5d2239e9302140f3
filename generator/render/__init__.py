"""Stage 5: the model into files: Jinja templates, Kubernetes fragments, GitOps objects, chart values."""
