-- Argo CD health of a ray.io RayService (generated into argocd-cm by kuberay-gitops).
local hs = { status = "Progressing", message = "Waiting for Ray Serve" }
if obj.spec ~= nil and obj.spec.suspend == true then
  hs.status = "Suspended"
  hs.message = "RayService is suspended"
  return hs
end
if obj.status == nil then
  return hs
end
local ready = nil
local upgrading = false
if obj.status.conditions ~= nil then
  for _, condition in ipairs(obj.status.conditions) do
    if condition.type == "Ready" then
      ready = condition
    elseif condition.type == "UpgradeInProgress" and condition.status == "True" then
      upgrading = true
    end
  end
end
if ready ~= nil and ready.status == "True" then
  if upgrading then
    hs.message = "Serving while a new Ray cluster is prepared"
  else
    hs.status = "Healthy"
    hs.message = "Ray Serve is ready"
  end
elseif ready ~= nil then
  hs.message = ready.message or ready.reason or "Ray Serve is not ready"
elseif obj.status.serviceStatus == "Running" then
  hs.status = "Healthy"
  hs.message = "Ray Serve is running"
end
return hs
