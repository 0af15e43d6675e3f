/**
 * The framework's own answers, as OpenAPI: the RFC 9457 problem+json body every error is sent
 * with (src/http/error-path.ts: `type`, `title`, `status`, `code`, `detail` when exposed, `errors`
 * for a list of details such as validation issues) and the responses that reuse it.
 *
 * Rules:
 * - The schemas are the error path's shape: `Problem` (`type`, `title`, `status`, `code`
 *   required; `detail`, `errors`, `details` when the error carries them) and `ValidationProblem`
 *   (a Problem whose `errors` are `validate()`'s `{ in, pointer, message, code }`).
 * - Which operation gets which response is decided in ./document.ts; a status the route declares
 *   itself is never replaced.
 */
import type { JsonSchema } from './json-schema.js';

/** The media type of every error response. */
export const PROBLEM_JSON = 'application/problem+json';

/** `components.schemas` the framework's responses refer to. */
export const PROBLEM_SCHEMAS: Readonly<Record<string, JsonSchema>> = {
  Problem: {
    type: 'object',
    description: 'An RFC 9457 problem: every error shallot answers (docs/errors.md lists the codes).',
    properties: {
      type: { type: 'string' },
      title: { type: 'string' },
      status: { type: 'integer' },
      code: { type: 'string', description: 'A stable ERR_* or HPE_* code' },
      detail: { type: 'string' },
      errors: { type: 'array', items: {} },
      details: {},
    },
    required: ['type', 'title', 'status', 'code'],
  },
  ValidationIssue: {
    type: 'object',
    properties: {
      in: { type: 'string', enum: ['params', 'headers', 'query', 'body'] },
      pointer: { type: 'string', description: 'An RFC 6901 JSON Pointer into the target' },
      message: { type: 'string' },
      code: { type: 'string' },
    },
    required: ['in', 'pointer', 'message', 'code'],
  },
  ValidationProblem: {
    allOf: [
      { $ref: '#/components/schemas/Problem' },
      {
        type: 'object',
        properties: { errors: { type: 'array', items: { $ref: '#/components/schemas/ValidationIssue' } } },
      },
    ],
  },
};

const problem = (description: string, schema = 'Problem'): JsonSchema => ({
  description,
  content: { [PROBLEM_JSON]: { schema: { $ref: `#/components/schemas/${schema}` } } },
});

/** `components.responses`: the framework's answers, by name. */
export const PROBLEM_RESPONSES: Readonly<Record<string, JsonSchema>> = {
  ValidationFailed: problem(
    'The request does not match the route (ERR_VALIDATION: `errors` lists each issue), or its body does not parse',
    'ValidationProblem',
  ),
  NotFound: problem('Nothing answers this path, or no resource has these params (ERR_NOT_FOUND)'),
  MethodNotAllowed: problem('The path is served with other methods, listed in Allow (ERR_METHOD_NOT_ALLOWED)'),
  PayloadTooLarge: problem('The request body is over its limit (ERR_BODY_TOO_LARGE, ERR_MULTIPART_LIMIT)'),
  UnsupportedMediaType: problem('The body has a Content-Type, charset or encoding the route does not read'),
  Problem: problem('An error, as problem+json'),
};

/** A `$ref` to one of {@link PROBLEM_RESPONSES}. */
export function problemRef(name: keyof typeof PROBLEM_RESPONSES): JsonSchema {
  return { $ref: `#/components/responses/${name}` };
}
