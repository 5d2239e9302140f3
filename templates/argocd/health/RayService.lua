-- Argo CD health of a ray.io RayService (generated into argocd-cm by kuberay-gitops). The conditions are
-- those KubeRay writes (docs/gitops.md, "Health checks", cites the operator code); Ray Serve's own
-- application states are not folded into Ready by KubeRay, so they are read here.
local hs = { status = "Progressing", message = "Waiting for Ray Serve" }
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
local ready = conditions["Ready"]
if ready ~= nil and ready.status ~= "True" and (ready.reason == "InitializingTimeout" or ready.reason == "ValidationFailed") then
  hs.status = "Degraded"
  hs.message = ready.message or ready.reason
  return hs
end
if status.activeServiceStatus ~= nil and status.activeServiceStatus.applicationStatuses ~= nil then
  for name, application in pairs(status.activeServiceStatus.applicationStatuses) do
    if application.status == "DEPLOY_FAILED" or application.status == "UNHEALTHY" then
      hs.status = "Degraded"
      hs.message = "Serve application " .. name .. " is " .. application.status
      if application.message ~= nil and application.message ~= "" then
        hs.message = hs.message .. ": " .. application.message
      end
      return hs
    end
  end
end
if obj.spec ~= nil and obj.spec.suspend == true then
  if holds("Suspended") then
    hs.status = "Suspended"
    hs.message = "RayService is suspended"
  else
    hs.message = "RayService is suspending"
  end
  return hs
end
if status.observedGeneration ~= nil and obj.metadata.generation ~= nil
    and status.observedGeneration < obj.metadata.generation then
  hs.message = "The operator has not yet seen the latest spec"
  return hs
end
if holds("RollbackInProgress") then
  hs.message = "Rolling back to the previous Ray cluster"
  return hs
end
if holds("UpgradeInProgress") then
  hs.message = "Serving while a new Ray cluster is prepared"
  return hs
end
if ready ~= nil then
  if ready.status == "True" then
    hs.status = "Healthy"
    hs.message = "Ray Serve is ready"
  elseif ready.reason == "ZeroServeEndpoints" then
    hs.status = "Degraded"
    hs.message = "Ray Serve has no ready endpoint"
  else
    hs.message = ready.message or ready.reason or "Ray Serve is not ready"
  end
  return hs
end
-- an operator from before the conditions wrote serviceStatus only
if status.serviceStatus == "Running" then
  hs.status = "Healthy"
  hs.message = "Ray Serve is running"
end
return hs
