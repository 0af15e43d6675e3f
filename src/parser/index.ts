/**
 * `shallot/parser`: the sans-IO HTTP/1.1 request parser on its own (docs/parser.md). It imports
 * nothing else from shallot, so it can drive any transport.
 */
export { RequestParser } from './parser.js';
export { ParseError, PARSE_ERRORS } from './errors.js';
export { PARSER_DEFAULTS } from './defaults.js';
export { RequestHead, BodyChunk, MessageEnd, UpgradeEvent, NEED_DATA, getField } from './events.js';
export { KNOWN_METHODS } from './methods.js';

export type { ParserOptions } from './parser.js';
export type { ParseErrorCode } from './errors.js';
export type { ParseEvent, Framing, NeedData } from './events.js';
