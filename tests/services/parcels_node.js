// An upsert service in plain Node (no packages): PUT /api/parcels/{parcelId}.
//
// Its OpenAPI document is hand-written YAML (OpenAPI 3.0: `nullable`,
// boolean `exclusiveMinimum`, `allOf` in the response), parcels_node.openapi.yaml
// beside this file, served at GET /openapi.yaml as application/yaml; there is
// no /openapi.json, so check needs `--openapi URL/openapi.yaml` (or the file).
//
// A Parcel has a nested Address (required street and city, a nullable zip
// with a pattern, a country that defaults to "DE"), a list of Line items
// (each with a required sku, a bounded qty that defaults to 1, a gift flag),
// a list of tags, a dict of integer metadata, an enum, a bounded number.
// PUT answers 201 with the stored parcel (and its `id`) for a new id and 200
// for an existing one; the stored parcel is the body with every field left
// out set to its default, at every depth (replace, not merge). A body that
// is not JSON gets 400; one that does not match the schema, at any depth,
// gets 422 {"error", "details": [{"path", "message"}]} and stores nothing.
// The id is the path segment percent-decoded once; it must match the
// parameter's schema (else 422).
//
// FLAW (environment) makes it wrong in one way:
//   deepmerge      an update merges the sent address into the stored one
//                  (Object.assign({}, old.address, body.address)), so a
//                  field left out of address keeps its old value
//   linesmerge     an update merges each sent line into the stored line at
//                  the same index, so a qty left out keeps its old value
//   nestedinvalid  the top level is validated, the parcel stored, and only
//                  then the address and lines: errors inside them give a
//                  422, but the parcel is already stored
//
// Usage: node parcels_node.js PORT

"use strict";

const fs = require("fs");
const http = require("http");
const path = require("path");

const FLAW = process.env.FLAW || "";
const DOC = fs.readFileSync(path.join(__dirname, "parcels_node.openapi.yaml"));

// The schema of the YAML document, as JavaScript (keep the two in step).
const ADDRESS = {
  type: "object",
  required: ["street", "city"],
  properties: {
    street: { type: "string", minLength: 1, maxLength: 80 },
    city: { type: "string", minLength: 1, maxLength: 40 },
    zip: { type: "string", nullable: true, pattern: "^[0-9]{5}$", default: null },
    country: { type: "string", minLength: 2, maxLength: 2, default: "DE" },
  },
};
const LINE = {
  type: "object",
  required: ["sku"],
  properties: {
    sku: { type: "string", minLength: 1, maxLength: 20 },
    qty: { type: "integer", minimum: 1, maximum: 99, default: 1 },
    gift: { type: "boolean", default: false },
  },
};
const PARCEL = {
  type: "object",
  required: ["recipient", "weight_kg", "address"],
  properties: {
    recipient: { type: "string", minLength: 1, maxLength: 60 },
    weight_kg: { type: "number", minimum: 0, exclusiveMinimum: true, maximum: 50 },
    priority: { type: "string", enum: ["standard", "express", "overnight"], default: "standard" },
    insured: { type: "boolean", default: false },
    note: { type: "string", nullable: true, maxLength: 200, default: null },
    address: ADDRESS,
    lines: { type: "array", maxItems: 10, default: [], items: LINE },
    tags: { type: "array", maxItems: 5, default: [], items: { type: "string", minLength: 1, maxLength: 20 } },
    metadata: { type: "object", default: {}, additionalProperties: { type: "integer", minimum: 0 } },
  },
};
const PARCEL_ID = { type: "string", minLength: 1, maxLength: 40, pattern: "^[A-Za-z0-9_.-]+$" };

function isObject(v) {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function typeOk(type, v) {
  switch (type) {
    case "string":
      return typeof v === "string";
    case "number":
      return typeof v === "number" && Number.isFinite(v);
    case "integer":
      return typeof v === "number" && Number.isInteger(v);
    case "boolean":
      return typeof v === "boolean";
    case "array":
      return Array.isArray(v);
    case "object":
      return isObject(v);
    default:
      return true;
  }
}

function show(at) {
  return at.reduce((s, step) => (typeof step === "number" ? `${s}[${step}]` : s ? `${s}.${step}` : step), "");
}

// Appends to `errors` every way `v` fails `schema` ({path, depth, message});
// `deep` false stops at the first level of nesting (nested values are only
// type-checked), as the nestedinvalid flaw does first.
function validate(schema, v, at, errors, deep = true) {
  const fail = (message) => errors.push({ path: show(at), depth: at.length, message });
  if (v === null) {
    if (!schema.nullable) fail("must not be null");
    return;
  }
  if (!typeOk(schema.type, v)) return fail(`must be ${schema.type === "integer" || schema.type === "array" || schema.type === "object" ? "an" : "a"} ${schema.type}`);
  if (!deep && at.length > 1) return;
  if (schema.enum && !schema.enum.includes(v)) fail(`must be one of ${schema.enum.join(", ")}`);
  if (typeof v === "string") {
    const n = [...v].length;
    if (schema.minLength !== undefined && n < schema.minLength) fail(`must have at least ${schema.minLength} characters`);
    if (schema.maxLength !== undefined && n > schema.maxLength) fail(`must have at most ${schema.maxLength} characters`);
    if (schema.pattern && !new RegExp(schema.pattern, "u").test(v)) fail(`must match ${schema.pattern}`);
  }
  if (typeof v === "number") {
    if (schema.minimum !== undefined && (schema.exclusiveMinimum ? v <= schema.minimum : v < schema.minimum))
      fail(`must be ${schema.exclusiveMinimum ? "greater than" : "at least"} ${schema.minimum}`);
    if (schema.maximum !== undefined && (schema.exclusiveMaximum ? v >= schema.maximum : v > schema.maximum))
      fail(`must be ${schema.exclusiveMaximum ? "less than" : "at most"} ${schema.maximum}`);
  }
  if (Array.isArray(v)) {
    if (schema.minItems !== undefined && v.length < schema.minItems) fail(`must have at least ${schema.minItems} items`);
    if (schema.maxItems !== undefined && v.length > schema.maxItems) fail(`must have at most ${schema.maxItems} items`);
    if (schema.items) v.forEach((item, i) => validate(schema.items, item, [...at, i], errors, deep));
  }
  if (isObject(v)) {
    const required = deep || at.length === 0 ? schema.required || [] : [];
    for (const name of required) if (!(name in v)) errors.push({ path: show([...at, name]), depth: at.length + 1, message: "is required" });
    for (const [name, prop] of Object.entries(schema.properties || {})) if (name in v) validate(prop, v[name], [...at, name], errors, deep);
    if (isObject(schema.additionalProperties))
      for (const [k, item] of Object.entries(v)) validate(schema.additionalProperties, item, [...at, k], errors, deep);
  }
}

// The stored form of a valid value: fields left out take their defaults, at
// every depth; unknown fields are dropped.
function stored(schema, v) {
  if (v === null || v === undefined) return v;
  if (schema.type === "array") return v.map((item) => (schema.items ? stored(schema.items, item) : item));
  if (schema.type === "object" && schema.properties) {
    const out = {};
    for (const [name, prop] of Object.entries(schema.properties)) {
      if (name in v) out[name] = stored(prop, v[name]);
      else if (prop.default !== undefined) out[name] = structuredClone(prop.default);
    }
    return out;
  }
  if (schema.type === "object" && isObject(schema.additionalProperties)) {
    return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, stored(schema.additionalProperties, item)]));
  }
  return v;
}

const parcels = new Map();

function answer(res, status, body, type = "application/json") {
  const data = body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  res.writeHead(status, { "content-type": type, "content-length": data.length });
  res.end(data);
}

function record(id) {
  return { id, ...parcels.get(id) };
}

function upsert(res, id, raw) {
  let body;
  try {
    body = JSON.parse(raw);
  } catch {
    return answer(res, 400, { error: "the body is not JSON" });
  }
  const errors = [];
  if (FLAW === "nestedinvalid") {
    // Top level first, store, then the nested parts.
    validate(PARCEL, body, [], errors, false);
    if (errors.length) return answer(res, 422, { error: "validation failed", details: errors.map(({ path, message }) => ({ path, message })) });
    const existed = parcels.has(id);
    parcels.set(id, stored(PARCEL, body));
    validate(PARCEL, body, [], errors);
    if (errors.length) return answer(res, 422, { error: "validation failed", details: errors.map(({ path, message }) => ({ path, message })) });
    return answer(res, existed ? 200 : 201, record(id));
  }
  validate(PARCEL, body, [], errors);
  if (errors.length) return answer(res, 422, { error: "validation failed", details: errors.map(({ path, message }) => ({ path, message })) });
  const existed = parcels.has(id);
  const item = stored(PARCEL, body);
  if (existed && FLAW === "deepmerge") {
    item.address = stored(ADDRESS, Object.assign({}, parcels.get(id).address, body.address));
  }
  if (existed && FLAW === "linesmerge") {
    const old = parcels.get(id).lines;
    item.lines = (body.lines || []).map((line, i) => stored(LINE, Object.assign({}, old[i] || {}, line)));
  }
  parcels.set(id, item);
  answer(res, existed ? 200 : 201, record(id));
}

const server = http.createServer((req, res) => {
  const url = req.url.split("?")[0];
  if (req.method === "GET" && url === "/openapi.yaml") return answer(res, 200, DOC, "application/yaml");
  if (req.method === "GET" && url === "/health") return answer(res, 200, { ok: true });
  const m = /^\/api\/parcels\/([^/]+)$/.exec(url);
  if (!m) return answer(res, 404, { error: "not found" });
  let id;
  try {
    id = decodeURIComponent(m[1]);
  } catch {
    return answer(res, 400, { error: "the parcel id is not valid percent-encoding" });
  }
  const idErrors = [];
  validate(PARCEL_ID, id, ["parcelId"], idErrors);
  if (idErrors.length) return answer(res, 422, { error: "invalid parcel id", details: idErrors.map(({ path, message }) => ({ path, message })) });
  if (req.method === "GET") {
    return parcels.has(id) ? answer(res, 200, record(id)) : answer(res, 404, { error: "no such parcel" });
  }
  if (req.method !== "PUT") {
    res.setHeader("allow", "GET, PUT");
    return answer(res, 405, { error: "method not allowed" });
  }
  const chunks = [];
  let size = 0;
  req.on("data", (c) => {
    size += c.length;
    if (size > 1 << 20) {
      answer(res, 413, { error: "the body is too large" });
      req.destroy();
    } else chunks.push(c);
  });
  req.on("end", () => {
    if (!res.writableEnded) upsert(res, id, Buffer.concat(chunks).toString("utf8"));
  });
});

server.keepAliveTimeout = 30000;
server.listen(Number(process.argv[2] || 0), "127.0.0.1", () => {
  process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`);
});
for (const sig of ["SIGTERM", "SIGINT"]) {
  process.on(sig, () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 500).unref();
  });
}
