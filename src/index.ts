/**
 * `shallot`: what an application needs. Middleware is `shallot/middleware`; the sans-IO HTTP/1.1
 * parser is `shallot/parser`. Everything a user or a third-party middleware may rely on is exported
 * by name from one of the three entries; anything else is internal (the package's `exports` field
 * refuses deep imports).
 */
export { App } from './app.js';
export { Router } from './router/router.js';
export { HttpError, isHttpError, createHttpError, toHttpError } from './http/http-error.js';
export { ERRORS, errorFor } from './http/errors.js';
export { compose } from './http/compose.js';
export { readBody } from './http/read-body.js';
export { SERVER_DEFAULTS } from './engine/defaults.js';
export { WEBSOCKET_DEFAULTS } from './http/websocket.js';
export type { WebSocketOptions } from './http/websocket.js';

export type { Middleware, KoaMiddleware, AppOptions } from './http/app.js';
export type { Context, ContextExtensions, StateMap, DefaultState, ErrorRenderer, OnError } from './http/context.js';
export type { Request } from './http/request.js';
export type { Response, OutgoingHeaders, ResponseBody } from './http/response.js';
export type { IncomingMessageShim, ServerResponseShim } from './http/compat.js';
export type { Server, ListenOptions } from './engine/server.js';
export type { EngineOptions } from './engine/engine.js';
export type { NodeHandler, NodeRequest, NodeResponse } from './engine/node-callback.js';
export type {
  RouteHandler,
  RouterOptions,
  RouterMiddleware,
  RoutesMiddleware,
  RouteMethod,
  RouteMethods,
} from './router/router.js';
export type { RouteInfo, RouteMeta, RouteOptions, RouteParam } from './router/route-info.js';
export type { NamedRoute } from './router/names.js';
export type {
  Validator,
  ValidationSchemas,
  ValidatedHandler,
  ValidatedContext,
  TypedContext,
  ValidationTarget,
  StandardSchemaV1,
} from './http/validation.js';
export type { RouteMatch, RadixTreeOptions, Params, ParamKeys, JoinPaths } from './router/types.js';
export type { Next, ComposableMiddleware, ComposeOptions } from './http/compose.js';
export type { HttpErrorProps, HttpErrorInit } from './http/http-error.js';
export type { ErrorCode } from './http/errors.js';
export type { ReadBodyOptions } from './http/read-body.js';
export type {
  Part,
  FieldPart,
  FilePart,
  PartsOptions,
  MultipartLimits,
  UploadedFile,
  UploadedFiles,
} from './http/multipart.js';
export type { RenderedError } from './http/error-path.js';
export type { InjectInput, InjectRequest, InjectResult } from './engine/inject.js';
export type { InjectedResponse } from './engine/response-reader.js';
export type { IncomingHeaders } from './http/incoming-headers.js';
export type { ParsedQuery } from './http/query.js';
