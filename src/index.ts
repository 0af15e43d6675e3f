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
