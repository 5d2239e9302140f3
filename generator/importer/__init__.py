"""`kuberay-gitops import`: an environment file written from existing Kubernetes manifests."""
