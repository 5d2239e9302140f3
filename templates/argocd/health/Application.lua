-- Argo CD health of a child Application, so that sync waves wait for the CRDs and the operator to be
-- healthy before the Ray objects sync (Argo CD does not assess Applications by default since 1.8).
local hs = { status = "Progressing", message = "" }
if obj.status ~= nil and obj.status.health ~= nil then
  hs.status = obj.status.health.status
  if obj.status.health.message ~= nil then
    hs.message = obj.status.health.message
  end
end
return hs
