-- Argo CD health of a ray.io RayJob (generated into argocd-cm by kuberay-gitops).
-- A running job counts as healthy: the sync has reached its goal, and a job may run for hours.
local hs = { status = "Progressing", message = "Waiting for the job to start" }
if obj.status == nil or obj.status.jobDeploymentStatus == nil then
  return hs
end
local deployment = obj.status.jobDeploymentStatus
local job = obj.status.jobStatus or ""
if deployment == "Failed" or deployment == "ValidationFailed" then
  hs.status = "Degraded"
  hs.message = obj.status.message or obj.status.reason or ("RayJob " .. deployment)
elseif deployment == "Complete" then
  if job == "SUCCEEDED" then
    hs.status = "Healthy"
    hs.message = "The job succeeded"
  else
    hs.status = "Degraded"
    hs.message = obj.status.message or ("The job ended " .. job)
  end
elseif deployment == "Suspended" or deployment == "Suspending" then
  hs.status = "Suspended"
  hs.message = "RayJob is suspended"
elseif deployment == "Running" then
  hs.status = "Healthy"
  hs.message = "The job is running"
else
  hs.message = "RayJob is " .. deployment
end
return hs
