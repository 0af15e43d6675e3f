/**
 * `openapi(app, options)`: an OpenAPI 3.1 document from an app's (or a router's) route listing —
 * the routes as registered, their validators' schemas and declarations, and their metadata. No
 * second registry: what is documented is what is served.
 *
 * Rules (tested in test/openapi/document.test.ts and rest-example.test.ts):
 * - Paths: `:id`, `{id}`, `:id(\\d+)` and `*rest` become `{id}` / `{rest}`; a regex becomes the
 *   param's `pattern` (`^(?:\\d+)$`, on a string param); a wildcard is a string that may hold
 *   slashes. A route with optional params is documented once per concrete path
 *   (`/docs/:lang?` → `/docs` and `/docs/{lang}`), the shorter ones' operationIds suffixed
 *   `Without<Param>`. Mounted routers' prefixes are in the path (the listing's full path).
 * - Methods: GET, PUT, POST, DELETE, OPTIONS, HEAD, PATCH, TRACE as registered. The automatic HEAD
 *   and OPTIONS answers are left implicit. An `all()` route is documented under GET, POST, PUT,
 *   PATCH and DELETE, each one its path does not document otherwise (operationId suffixed by the
 *   method). WebSocket routes and other methods are left out.
 * - Parameters: `params`, `query` and `headers` schemas that are objects give one parameter per
 *   property (`required` from the schema; path params always required); a path param without a
 *   schema is a string. Schemas are their input type (./json-schema.ts).
 * - Request body (not for GET/HEAD): the `body` schema as `application/json`; with `files`
 *   declared, `multipart/form-data` instead: the body schema's properties plus each file field as
 *   `{ type: 'string', format: 'binary' }` (an array of them for `multiple`), `accept` as the
 *   field's `encoding.contentType`.
 * - Responses: the declarations (a schema → `application/json`, or a ResponseSpec), then the
 *   framework's own where the route does not declare that status: 400 `ValidationFailed` for a
 *   route with a validator, 404 `NotFound` for one with path params, 413 and 415 for one with a
 *   body, and `default` → `Problem` (any error is problem+json). 405 is in
 *   `components.responses` only: it answers a method the path does not serve, so no operation.
 * - operationId: `meta.operationId`, else the route's name, else method + path (`getApiTodosById`);
 *   a repeat gets a numeric suffix. Tags, summary, description, deprecated and security from
 *   the route's metadata; tags used but not in `options.tags` are added after them.
 */
import { STATUS_CODES } from 'node:http';
import type { ResponseSpec, StandardSchemaV1, ValidationSchemas } from '../http/validation.js';
import { expandOptional, parsePath, type PathToken } from '../router/path.js';
import type { RouteInfo } from '../router/route-info.js';
import { SchemaRegistry, type JsonSchema } from './json-schema.js';
import { PROBLEM_JSON, PROBLEM_RESPONSES, PROBLEM_SCHEMAS, problemRef } from './problems.js';

/** What a document is built from: an app (`app.routes`) or a router (`router.list()`). */
export type RouteSource = { readonly routes: readonly RouteInfo[] } | { list(): readonly RouteInfo[] };

/** Options of {@link openapi}. */
export interface OpenApiOptions {
  /** The document's `info`: `title` and `version` at least. */
  info: { title: string; version: string; description?: string; [key: string]: unknown };
  /** Where the API is served, e.g. `[{ url: 'https://api.example.com' }]`. */
  servers?: readonly { url: string; description?: string }[];
  /** Tags with descriptions, in the order a docs page shows them. */
  tags?: readonly { name: string; description?: string }[];
  /** `components.securitySchemes`, e.g. `{ bearer: { type: 'http', scheme: 'bearer' } }`. */
  securitySchemes?: Readonly<Record<string, Record<string, unknown>>>;
  /** The default security requirements; a route's `security` meta overrides them. */
  security?: readonly Readonly<Record<string, readonly string[]>>[];
  /** Routes to leave out (besides WebSocket routes). */
  exclude?: (route: RouteInfo) => boolean;
}

/** An OpenAPI 3.1 document (the members this generator writes; JSON-serialisable). */
export interface OpenApiDocument {
  openapi: '3.1.0';
  info: OpenApiOptions['info'];
  servers?: { url: string; description?: string }[];
  tags?: { name: string; description?: string }[];
  security?: Record<string, readonly string[]>[];
  paths: Record<string, Record<string, JsonSchema>>;
  components: {
    schemas: Record<string, JsonSchema>;
    responses: Record<string, JsonSchema>;
    securitySchemes?: Record<string, Record<string, unknown>>;
  };
}

const METHODS = new Set(['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'TRACE']);
const ALL_AS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
const NO_BODY = new Set(['GET', 'HEAD']);

/**
 * Builds the OpenAPI 3.1 document of an app's routes; see the module rules.
 *
 * @throws {Error} when a schema has no JSON Schema form, or two schemas claim one component name
 * @example
 * const doc = openapi(app, { info: { title: 'Todos', version: '1.0.0' } })
 * doc.paths['/api/todos/{id}'].get.operationId // 'getTodo'
 */
export function openapi(source: RouteSource, options: OpenApiOptions): OpenApiDocument {
  const all = 'routes' in source ? source.routes : source.list();
  const routes = all.filter((r) => !options.exclude?.(r));
  const uses = new Map<object, number>();
  const count = (s: StandardSchemaV1 | undefined): void => void (s && uses.set(s, (uses.get(s) ?? 0) + 1));
  for (const r of routes) {
    count(r.schemas.body);
    for (const d of Object.values(r.schemas.responses ?? {})) count('~standard' in d ? d : d.schema);
  }
  const registry = new SchemaRegistry(uses);
  const paths: OpenApiDocument['paths'] = {};
  const ids = new Set<string>();
  const tags: { name: string; description?: string }[] = [...(options.tags ?? [])];
  const addOperation = (path: string, method: string, op: JsonSchema): void => {
    (paths[path] ??= {})[method.toLowerCase()] = op;
  };
  // `all()` routes last, so they fill only the methods nothing else documents.
  const ordered = [...routes.filter((r) => r.method !== 'ALL'), ...routes.filter((r) => r.method === 'ALL')];
  for (const route of ordered) {
    const methods = route.method === 'ALL' ? ALL_AS : METHODS.has(route.method) ? [route.method] : [];
    const base =
      route.meta.operationId ?? route.name ?? defaultId(route.method === 'ALL' ? 'any' : route.method, route.path);
    for (const method of methods) {
      const variants = expandOptional(parsePath(route.path));
      for (let v = 0; v < variants.length; v++) {
        const tokens = variants[v]!;
        const path = tokens.map(templateOf).join('') || '/';
        if (paths[path]?.[method.toLowerCase()] !== undefined) continue;
        const omitted = route.params.filter((p) => !tokens.some((t) => t.kind !== 'static' && t.name === p.name));
        let id = base + (route.method === 'ALL' ? pascal(method.toLowerCase()) : '');
        if (omitted.length > 0) id += `Without${omitted.map((p) => pascal(p.name)).join('')}`;
        id = unique(id, ids);
        for (const t of route.meta.tags ?? []) if (!tags.some((x) => x.name === t)) tags.push({ name: t });
        addOperation(path, method, operation(route, method, tokens, id, registry));
      }
    }
  }
  const doc: OpenApiDocument = {
    openapi: '3.1.0',
    info: options.info,
    ...(options.servers ? { servers: [...options.servers] } : {}),
    ...(tags.length > 0 ? { tags } : {}),
    ...(options.security ? { security: [...options.security] } : {}),
    paths,
    components: {
      schemas: { ...registry.components, ...PROBLEM_SCHEMAS },
      responses: { ...PROBLEM_RESPONSES },
      ...(options.securitySchemes ? { securitySchemes: { ...options.securitySchemes } } : {}),
    },
  };
  return doc;
}

/** One operation object. */
function operation(
  route: RouteInfo,
  method: string,
  tokens: readonly PathToken[],
  id: string,
  registry: SchemaRegistry,
): JsonSchema {
  const { schemas, meta } = route;
  const where = `${method} ${route.path}`;
  const name = pascal(id);
  const op: JsonSchema = { operationId: id };
  if (meta.summary !== undefined) op['summary'] = meta.summary;
  if (meta.description !== undefined) op['description'] = meta.description;
  if (meta.tags !== undefined && meta.tags.length > 0) op['tags'] = [...meta.tags];
  if (meta.deprecated === true) op['deprecated'] = true;
  if (meta.security !== undefined) op['security'] = meta.security.map((s) => ({ ...s }));

  const parameters: JsonSchema[] = [];
  const pathProps = objectProps(schemas.params, registry, `${name}Params`, `${where} params`);
  for (const t of tokens) {
    if (t.kind === 'static') continue;
    let schema: JsonSchema = { ...(pathProps?.properties[t.name] ?? { type: 'string' }) };
    if (t.kind === 'param' && t.source !== null && (schema['type'] === undefined || schema['type'] === 'string'))
      schema = { type: 'string', ...schema, pattern: `^(?:${t.source})$` };
    const p: JsonSchema = { name: t.name, in: 'path', required: true, schema };
    if (t.kind === 'wildcard') p['description'] = 'The rest of the path: may hold slashes, and may be empty';
    parameters.push(p);
  }
  for (const [target, where2] of [
    ['query', 'query'],
    ['headers', 'header'],
  ] as const) {
    const props = objectProps(schemas[target], registry, `${name}${pascal(target)}`, `${where} ${target}`);
    if (props === null) continue;
    for (const [prop, schema] of Object.entries(props.properties)) {
      const p: JsonSchema = { name: prop, in: where2, required: props.required.has(prop), schema };
      if (typeof schema['description'] === 'string') p['description'] = schema['description'];
      parameters.push(p);
    }
  }
  if (parameters.length > 0) op['parameters'] = parameters;

  const hasBody = !NO_BODY.has(method) && (schemas.body !== undefined || schemas.files !== undefined);
  if (hasBody) op['requestBody'] = requestBody(schemas, registry, name, where);

  const responses: JsonSchema = {};
  for (const [status, d] of Object.entries(schemas.responses ?? {})) {
    responses[status] = response(
      Number(status),
      d,
      registry,
      `${name}Response${status}`,
      `${where} response ${status}`,
    );
  }
  const declared = (s: number): boolean => responses[String(s)] !== undefined;
  const validates = (['params', 'query', 'headers', 'body', 'files'] as const).some((k) => schemas[k] !== undefined);
  if (validates && !declared(400)) responses['400'] = problemRef('ValidationFailed');
  if (route.params.length > 0 && !declared(404)) responses['404'] = problemRef('NotFound');
  if (hasBody && !declared(413)) responses['413'] = problemRef('PayloadTooLarge');
  if (hasBody && !declared(415)) responses['415'] = problemRef('UnsupportedMediaType');
  responses['default'] ??= problemRef('Problem');
  op['responses'] = responses;
  return op;
}

function requestBody(schemas: ValidationSchemas, registry: SchemaRegistry, name: string, where: string): JsonSchema {
  if (schemas.files === undefined) {
    const schema = registry.convert(schemas.body!, `${name}Body`, `${where} body`);
    return { required: true, content: { 'application/json': { schema } } };
  }
  const fields = objectProps(schemas.body, registry, `${name}Body`, `${where} body`);
  const properties: Record<string, JsonSchema> = { ...fields?.properties };
  const required = [...(fields?.required ?? [])];
  const encoding: Record<string, JsonSchema> = {};
  for (const [field, f] of Object.entries(schemas.files)) {
    const file: JsonSchema = { type: 'string', format: 'binary' };
    properties[field] = f.multiple === true ? { type: 'array', items: file } : file;
    if (f.description !== undefined) properties[field]['description'] = f.description;
    if (f.required !== false) required.push(field);
    if (f.accept !== undefined && f.accept.length > 0) encoding[field] = { contentType: f.accept.join(', ') };
  }
  const schema: JsonSchema = { type: 'object', properties, ...(required.length > 0 ? { required } : {}) };
  const media: JsonSchema = { schema };
  if (Object.keys(encoding).length > 0) media['encoding'] = encoding;
  return { required: true, content: { 'multipart/form-data': media } };
}

function response(
  status: number,
  d: StandardSchemaV1 | ResponseSpec,
  registry: SchemaRegistry,
  name: string,
  where: string,
): JsonSchema {
  const spec: ResponseSpec = '~standard' in d ? { schema: d } : d;
  const out: JsonSchema = { description: spec.description ?? STATUS_CODES[status] ?? `Status ${status}` };
  if (spec.schema !== undefined) {
    const type = spec.type ?? (status >= 400 ? PROBLEM_JSON : 'application/json');
    out['content'] = { [type]: { schema: registry.convert(spec.schema, name, where) } };
  }
  return out;
}

/** An object schema's properties and required names, or null for no schema or a non-object one. */
function objectProps(
  schema: StandardSchemaV1 | undefined,
  registry: SchemaRegistry,
  name: string,
  where: string,
): { properties: Record<string, JsonSchema>; required: Set<string> } | null {
  if (schema === undefined) return null;
  const json = registry.resolve(registry.convert(schema, name, where));
  const properties = json['properties'];
  if (typeof properties !== 'object' || properties === null) return null;
  const required = Array.isArray(json['required']) ? (json['required'] as string[]) : [];
  return { properties: properties as Record<string, JsonSchema>, required: new Set(required) };
}

function templateOf(t: PathToken): string {
  return t.kind === 'static' ? t.text : `{${t.name}}`;
}

/** `getApiTodosById` for `GET /api/todos/:id`. */
function defaultId(method: string, path: string): string {
  const words = parsePath(path).tokens.flatMap((t) =>
    t.kind === 'static' ? t.text.split(/[^A-Za-z0-9]+/).filter(Boolean) : [`by ${t.name}`],
  );
  return method.toLowerCase() + words.map(pascal).join('');
}

function pascal(s: string): string {
  return s
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}

function unique(id: string, ids: Set<string>): string {
  let out = id;
  for (let i = 2; ids.has(out); i++) out = `${id}${i}`;
  ids.add(out);
  return out;
}
