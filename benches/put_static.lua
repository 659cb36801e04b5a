-- wrk script: one pre-formatted PUT of {"name":"x","size":3} to the URL's
-- path (no `request` function, so no Lua runs per request: wrk formats the
-- request once and sends the same bytes every time)
wrk.method = "PUT"
wrk.body = '{"name":"x","size":3}'
wrk.headers["Content-Type"] = "application/json"
