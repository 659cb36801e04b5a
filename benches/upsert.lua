-- wrk script: PUT /items/k<random 1..100000> with {"name":"x","size":3}
wrk.method = "PUT"
wrk.body = '{"name":"x","size":3}'
wrk.headers["Content-Type"] = "application/json"
request = function()
  return wrk.format(nil, "/items/k" .. math.random(1, 100000))
end
