"""KubeRay GitOps generator: environment files in, validated KubeRay and GitOps manifests out."""
