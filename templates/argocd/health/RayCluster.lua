-- Argo CD health of a ray.io RayCluster (generated into argocd-cm by kuberay-gitops). The states and
-- conditions are those KubeRay writes (docs/gitops.md, "Health checks", cites the operator code):
-- `status.state: ready` is never cleared once set, so the live conditions decide where they exist, and
-- `status.observedGeneration` is not read: KubeRay leaves it behind when a spec change alters no other
-- status field, so it would hold the object in Progressing.
local hs = { status = "Progressing", message = "Waiting for the Ray cluster" }
local status = obj.status or {}
local conditions = {}
if status.conditions ~= nil then
  for _, condition in ipairs(status.conditions) do
    conditions[condition.type] = condition
  end
end
local function holds(kind)
  return conditions[kind] ~= nil and conditions[kind].status == "True"
end
local function explain(condition, fallback)
  if condition ~= nil and condition.message ~= nil and condition.message ~= "" then
    return condition.message
  end
  if condition ~= nil and condition.reason ~= nil and condition.reason ~= "" then
    return condition.reason
  end
  return fallback
end
if holds("ReplicaFailure") then
  hs.status = "Degraded"
  hs.message = explain(conditions["ReplicaFailure"], "Ray pods could not be created")
  return hs
end
if status.state == "failed" then
  hs.status = "Degraded"
  hs.message = status.reason or "RayCluster failed"
  return hs
end
if obj.spec ~= nil and obj.spec.suspend == true then
  if holds("RayClusterSuspended") or status.state == "suspended" then
    hs.status = "Suspended"
    hs.message = "RayCluster is suspended"
  else
    hs.message = "RayCluster is suspending"
  end
  return hs
end
if holds("RayClusterSuspending") then
  hs.message = "RayCluster is suspending"
  return hs
end
if conditions["HeadPodReady"] ~= nil then
  if not holds("HeadPodReady") then
    if holds("RayClusterProvisioned") then
      hs.status = "Degraded"
      hs.message = explain(conditions["HeadPodReady"], "The head pod is not ready")
    else
      hs.message = explain(conditions["HeadPodReady"], "Waiting for the head pod")
    end
    return hs
  end
  if holds("RayClusterProvisioned") then
    hs.status = "Healthy"
    hs.message = "RayCluster is ready"
  else
    hs.message = explain(conditions["RayClusterProvisioned"], "Waiting for the Ray pods")
  end
  return hs
end
-- an operator with the RayClusterStatusConditions gate off writes no conditions: the state is all there is
if status.state == "ready" then
  hs.status = "Healthy"
  hs.message = "RayCluster is ready"
end
return hs
