/**
 * `shallot/middleware`: the middleware set. One entry for all of it rather than one per family:
 * the set is small, an application imports several members in one line, and loading all of it
 * costs only Node built-ins (zlib, fs, crypto) that loading one family would mostly load anyway.
 * Each member is a factory returning `(ctx, next)` and uses nothing a third-party middleware could
 * not (see docs/architecture.md).
 */
export { query, createQueryParser } from './query.js';
export { parseQuery, decodeQueryComponent } from '../http/query.js';
export { body } from './body/body.js';
export { MULTIPART_MEMORY_FILE_SIZE } from './body/multipart.js';
export { MULTIPART_DEFAULTS } from '../http/multipart.js';
export { MIDDLEWARE_DEFAULTS } from './defaults.js';
export { errorHandler } from './error-handler.js';
export { logger, logLevel } from './logger.js';
export { validate, validationFormatter, defaultValidationFormatter } from './validate/validate.js';
export { serveStatic } from './static/static.js';
export { parseRange } from './static/range.js';
export { compress, isCompressible } from './compress/compress.js';
export { negotiateEncoding, parseAcceptEncoding } from './compress/accept-encoding.js';
export { sse, formatEvent } from './sse.js';
export { allowOrigins } from './origin.js';
export { health } from './health.js';

export type { QueryOptions, QueryValue } from './query.js';
export type { BodyOptions, BodyParserOptions } from './body/body.js';
export type { MultipartOptions } from './body/multipart.js';
export type {
  MultipartLimits,
  PartsOptions,
  Part,
  FieldPart,
  FilePart,
  UploadedFile,
  UploadedFiles,
} from '../http/multipart.js';
export type { ErrorHandlerOptions } from './error-handler.js';
export type { HealthOptions, HealthMiddleware } from './health.js';
export type { RequestLoggerOptions } from './logger.js';
export type {
  DeclaredResponse,
  FileField,
  HandlerResult,
  ResponseSchemas,
  ResponseSpec,
  ValidationSchemas,
  ValidationTarget,
  ValidationIssue,
  ValidationFormatter,
  ValidateOptions,
  TypedContext,
  ValidatedContext,
  ValidatedHandler,
  Validator,
} from './validate/validate.js';
export type {
  StandardSchemaV1,
  StandardSchemaProps,
  StandardResult,
  StandardIssue,
  InferInput,
  InferOutput,
} from './validate/standard-schema.js';
export type { StaticOptions } from './static/static.js';
export type { ByteRange, RangeResult } from './static/range.js';
export type { CompressOptions, CompressEncoding } from './compress/compress.js';
export type { AcceptedCoding } from './compress/accept-encoding.js';
export type { SseOptions, SseEvent, SseStream } from './sse.js';
export type { AllowOriginsOptions } from './origin.js';
