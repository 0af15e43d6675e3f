/**
 * Every default the server ships, in one place: the parser's limits (`src/parser/defaults.ts`) and
 * the connection engine's (`src/engine/defaults.ts`), re-exported side by side.
 */
export { PARSER_DEFAULTS } from '../parser/defaults.js';
export { SERVER_DEFAULTS } from '../engine/defaults.js';
