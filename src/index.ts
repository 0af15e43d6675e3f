/**
 * shallot's public API. Everything a user or a third-party middleware may rely on is exported
 * here by name; anything not listed is internal and may change without notice.
 */
export { RequestParser } from './parser/parser.js';
export { ParseError, PARSE_ERRORS } from './parser/errors.js';
export { PARSER_DEFAULTS } from './parser/defaults.js';
export { RequestHead, BodyChunk, MessageEnd, UpgradeEvent, NEED_DATA, getField } from './parser/events.js';
export { KNOWN_METHODS } from './parser/methods.js';

export type { ParserOptions } from './parser/parser.js';
export type { ParseErrorCode } from './parser/errors.js';
export type { ParseEvent, Framing, NeedData } from './parser/events.js';

export { App } from './app.js';
export { App as CoreApp } from './http/app.js';
export { Router, ROUTER_METHODS } from './router/router.js';
export { RadixTree } from './router/radix-tree.js';
export { Context } from './http/context.js';
export { Request } from './http/request.js';
export { Response } from './http/response.js';
export { Server } from './engine/server.js';
export { HttpError, isHttpError, createHttpError, toHttpError } from './http/http-error.js';
export { ERRORS, errorFor } from './http/errors.js';
export { SERVER_DEFAULTS } from './http/defaults.js';
export { STATUS_TEXT } from './engine/status.js';
export { compose } from './http/compose.js';
export { parseQuery, decodeQueryComponent } from './http/query.js';
export { IncomingMessageShim, ServerResponseShim } from './http/compat.js';
export { problem } from './http/respond.js';
export { query, createQueryParser } from './middleware/query.js';
export { body } from './middleware/body/body.js';
export { MIDDLEWARE_DEFAULTS } from './middleware/defaults.js';
export { errorHandler } from './middleware/error-handler.js';
export { logger, logLevel } from './middleware/logger.js';
export { validate, validationFormatter, defaultValidationFormatter } from './middleware/validate/validate.js';
export { serveStatic } from './middleware/static/static.js';
export { negotiateEncoding, parseAcceptEncoding } from './middleware/compress/accept-encoding.js';
export { parseRange } from './middleware/static/range.js';
export { sse, formatEvent } from './middleware/sse.js';
export { compress, isCompressible, ZSTD_AVAILABLE } from './middleware/compress/compress.js';

export type { Middleware, AppOptions } from './http/app.js';
export type { RouteHandler, RouterOptions } from './router/router.js';
export type { RouteMatch, RadixTreeOptions, Params, ParamKeys, JoinPaths } from './router/types.js';
export type { StateMap, DefaultState } from './http/context.js';
export type { Next, ComposableMiddleware, ComposeOptions } from './http/compose.js';
export type { ListenOptions } from './engine/server.js';
export type { HttpErrorProps, HttpErrorInit } from './http/http-error.js';
export type { ErrorCode } from './http/errors.js';
export type { InjectInput, InjectRequest, InjectResult } from './engine/inject.js';
export type { InjectedResponse } from './engine/response-reader.js';
export type { EngineOptions } from './engine/engine.js';
export type { OutgoingHeaders, ResponseBody } from './http/response.js';
export type { IncomingHeaders } from './http/incoming-headers.js';
export type { ParsedQuery } from './http/query.js';
export type { ErrorRenderer } from './http/context.js';
export type { RenderedError } from './http/respond.js';
export type { QueryOptions, QueryValue } from './middleware/query.js';
export type { BodyOptions, BodyParserOptions } from './middleware/body/body.js';
export type { ErrorHandlerOptions } from './middleware/error-handler.js';
export type { RequestLoggerOptions } from './middleware/logger.js';
export type {
  ValidationSchemas, ValidationTarget, ValidationIssue, ValidationFormatter, ValidateOptions, ValidatedContext, ValidatedHandler, Validator,
} from './middleware/validate/validate.js';
export type { StandardSchemaV1, StandardSchemaProps, StandardResult, StandardIssue, InferOutput } from './middleware/validate/standard-schema.js';
export type { StaticOptions } from './middleware/static/static.js';
export type { AcceptedCoding } from './middleware/compress/accept-encoding.js';
export type { ByteRange, RangeResult } from './middleware/static/range.js';
export type { SseOptions, SseEvent, SseStream } from './middleware/sse.js';
export type { CompressOptions, CompressEncoding } from './middleware/compress/compress.js';
