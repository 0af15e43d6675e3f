/**
 * `shallot/openapi`: an OpenAPI 3.1 document from the routes an app already declares
 * (`validate({ params, query, headers, body, files, responses })` and the route metadata), and
 * a route serving it with an offline docs page. See docs/openapi.md.
 */
export { openapi } from './document.js';
export { serveOpenApi } from './serve.js';
export { PROBLEM_SCHEMAS } from './problems.js';

export type { OpenApiDocument, OpenApiOptions, RouteSource } from './document.js';
export type { OpenApiHost, ServeOpenApiOptions } from './serve.js';
export type { JsonSchema } from './json-schema.js';
