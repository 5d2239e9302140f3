-- Argo CD health of a ray.io RayJob (generated into argocd-cm by kuberay-gitops). KubeRay sets `Running` once
-- the submitter is created, before Ray has started the job; the job is healthy when Ray runs it (a job may
-- run for hours, longer than any sync) or it succeeded. docs/gitops.md, "Health checks", cites the code.
local hs = { status = "Progressing", message = "Waiting for the job to start" }
if obj.status == nil or obj.status.jobDeploymentStatus == nil or obj.status.jobDeploymentStatus == "" then
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
elseif deployment == "Suspended" then
  hs.status = "Suspended"
  hs.message = "RayJob is suspended"
elseif deployment == "Running" and job == "RUNNING" then
  hs.status = "Healthy"
  hs.message = "The job is running"
elseif deployment == "Running" then
  hs.message = "The job is submitted, Ray has not started it yet"
else
  hs.message = "RayJob is " .. deployment
end
return hs
