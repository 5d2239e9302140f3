-- Argo CD health of a ray.io RayCluster (generated into argocd-cm by kuberay-gitops).
local hs = { status = "Progressing", message = "Waiting for the Ray cluster" }
if obj.spec ~= nil and obj.spec.suspend == true then
  hs.status = "Suspended"
  hs.message = "RayCluster is suspended"
  return hs
end
if obj.status == nil then
  return hs
end
if obj.status.observedGeneration ~= nil and obj.metadata.generation ~= nil
    and obj.status.observedGeneration < obj.metadata.generation then
  hs.message = "The operator has not yet seen the latest spec"
  return hs
end
if obj.status.conditions ~= nil then
  for _, condition in ipairs(obj.status.conditions) do
    if condition.type == "ReplicaFailure" and condition.status == "True" then
      hs.status = "Degraded"
      hs.message = condition.message or condition.reason or "Ray pods could not be created"
      return hs
    end
  end
end
if obj.status.state == "ready" then
  hs.status = "Healthy"
  hs.message = "RayCluster is ready"
elseif obj.status.state == "suspended" then
  hs.status = "Suspended"
  hs.message = "RayCluster is suspended"
elseif obj.status.state == "failed" then
  hs.status = "Degraded"
  hs.message = obj.status.reason or "RayCluster failed"
end
return hs
