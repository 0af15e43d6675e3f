/**
 * Chunk extensions (RFC 9112 §7.1.1), one byte at a time:
 *
 *   chunk-ext      = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
 *   chunk-ext-name = token
 *   chunk-ext-val  = token / quoted-string
 *
 * Extensions are rare and carry no meaning for us, so they are validated, counted against
 * `maxChunkExtensionBytes`, and dropped. A per-byte step function keeps the main state machine
 * small; speed does not matter on this path. BWS is accepted because RFC 9110 §5.6.3 says a
 * recipient MUST parse it; whitespace right before the CRLF is not part of the grammar and fails.
 */
import { DQUOTE, BACKSLASH, CR, EQUALS, HTAB, QDTEXT, QUOTED_PAIR, SEMI, SP, TOKEN } from './char-classes.js';

/** States of the extension scanner. Entered at `SIZE_WS` or `BEFORE_NAME`. */
export const Ext = {
  /** CR seen: the chunk-size line is complete (caller expects LF next). */
  DONE: 0,
  /** After a complete extension, with whitespace seen: only more BWS or ";" may follow. */
  AFTER_EXT_WS: 1,
  /** After ";": BWS, then a name. */
  BEFORE_NAME: 2,
  NAME: 3,
  AFTER_NAME_WS: 4,
  BEFORE_VALUE: 5,
  TOKEN_VALUE: 6,
  QUOTED: 7,
  QUOTED_ESCAPE: 8,
  /** After a complete extension with no whitespace: ";", BWS or CR. */
  AFTER_EXT: 9,
  /** Whitespace right after the chunk size: only more BWS or ";" may follow. */
  SIZE_WS: 10,
  /** Invalid byte outside a quoted value. */
  ERROR: -1,
  /** Invalid byte inside a quoted value (e.g. an unbalanced quote runs into the CR). */
  ERROR_QUOTED: -2,
} as const;

function isWs(c: number): boolean {
  return c === SP || c === HTAB;
}

/** Advances the extension scanner by one byte; returns the next state, `Ext.DONE`, or an error state. */
export function chunkExtStep(state: number, c: number): number {
  switch (state) {
    case Ext.AFTER_EXT:
      if (c === CR) return Ext.DONE;
      if (c === SEMI) return Ext.BEFORE_NAME;
      return isWs(c) ? Ext.AFTER_EXT_WS : Ext.ERROR;
    case Ext.SIZE_WS:
    case Ext.AFTER_EXT_WS:
      if (c === SEMI) return Ext.BEFORE_NAME;
      return isWs(c) ? state : Ext.ERROR;
    case Ext.BEFORE_NAME:
      if (TOKEN[c] === 1) return Ext.NAME;
      return isWs(c) ? state : Ext.ERROR;
    case Ext.NAME:
      if (TOKEN[c] === 1) return state;
      if (c === CR) return Ext.DONE;
      if (c === SEMI) return Ext.BEFORE_NAME;
      if (c === EQUALS) return Ext.BEFORE_VALUE;
      return isWs(c) ? Ext.AFTER_NAME_WS : Ext.ERROR;
    case Ext.AFTER_NAME_WS:
      if (c === SEMI) return Ext.BEFORE_NAME;
      if (c === EQUALS) return Ext.BEFORE_VALUE;
      return isWs(c) ? state : Ext.ERROR;
    case Ext.BEFORE_VALUE:
      if (c === DQUOTE) return Ext.QUOTED;
      if (TOKEN[c] === 1) return Ext.TOKEN_VALUE;
      return isWs(c) ? state : Ext.ERROR;
    case Ext.TOKEN_VALUE:
      if (TOKEN[c] === 1) return state;
      if (c === CR) return Ext.DONE;
      if (c === SEMI) return Ext.BEFORE_NAME;
      return isWs(c) ? Ext.AFTER_EXT_WS : Ext.ERROR;
    case Ext.QUOTED:
      if (c === DQUOTE) return Ext.AFTER_EXT;
      if (c === BACKSLASH) return Ext.QUOTED_ESCAPE;
      return QDTEXT[c] === 1 ? state : Ext.ERROR_QUOTED;
    case Ext.QUOTED_ESCAPE:
      return QUOTED_PAIR[c] === 1 ? Ext.QUOTED : Ext.ERROR_QUOTED;
    default:
      return Ext.ERROR;
  }
}
