-- Argo CD health of a child Application, so that sync waves wait for the CRDs and the operator before the
-- Ray objects sync (Argo CD does not assess Applications since 1.8). Healthy needs a finished sync too: an
-- Application's health may still describe the previous revision while its sync runs or after it failed.
local hs = { status = "Progressing", message = "Waiting for the Application" }
local status = obj.status
if status == nil then
  return hs
end
local operation = status.operationState
if operation ~= nil and (operation.phase == "Failed" or operation.phase == "Error") then
  hs.status = "Degraded"
  hs.message = operation.message or ("The sync ended " .. operation.phase)
  return hs
end
if operation ~= nil and (operation.phase == "Running" or operation.phase == "Terminating") then
  hs.message = "Syncing"
  return hs
end
if status.health ~= nil and status.health.status ~= nil and status.health.status ~= "Healthy" then
  hs.status = status.health.status
  hs.message = status.health.message or ""
  return hs
end
if status.sync == nil or status.sync.status ~= "Synced" then
  hs.message = "Not synced yet"
  return hs
end
if status.health ~= nil and status.health.status == "Healthy" then
  hs.status = "Healthy"
  hs.message = ""
end
return hs
