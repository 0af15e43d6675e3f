/**
 * The HTTP/1.1 request parser: a sans-IO, incremental state machine (RFC 9112).
 *
 * Rule 1: every state transition lives in this file; the modules beside it only classify bytes or
 * check a finished token. Rule 2: bytes are scanned by index with lookup tables and decoded
 * (latin1) only when a token is complete. Rule 3: every limit is checked while scanning, so the
 * parser never holds more than a limit's worth of an unfinished token. Rule 4: a request split at
 * any byte boundary yields exactly the events of the same request pushed whole.
 *
 * A token that spans two pushed chunks is carried as a string (`#carry`); every scanning state
 * starts at the current position, so resuming in a new chunk needs no other bookkeeping.
 *
 * Why one file of ~970 lines, over the house's ~400: the state machine and its fast paths (the
 * request line, field lines and chunked data scanned ahead of the byte-at-a-time states) share the
 * per-byte state as private fields of one monomorphic class; split across modules they would pass
 * it around or go through accessors on every byte. What needs no per-byte state lives beside it
 * (framing-fields.ts, fields.ts, scan.ts, methods.ts, chunk-ext.ts); moving the framing-field rules
 * out measured the same in `npm run bench:parser` (small GET 2.16 vs 2.22 M msg/s, chunked 444 vs
 * 428 k, within run-to-run noise).
 */
import { COLON, CR, FIELD_VALUE, HEX, HTAB, LF, SEMI, SP, TARGET, TOKEN, isTokenByte } from './char-classes.js';
import { Ext, chunkExtStep } from './chunk-ext.js';
import { PARSER_DEFAULTS, type ParserOptions } from './defaults.js';

export type { ParserOptions };
import { ParseError, type ParseErrorCode } from './errors.js';
import {
  BodyChunk,
  END_NO_TRAILERS,
  MessageEnd,
  NEED_DATA,
  RequestHead,
  UpgradeEvent,
  type ParseEvent,
} from './events.js';
import {
  CONN_CLOSE,
  CONN_KEEP_ALIVE,
  CONN_UPGRADE,
  FieldKind,
  TE_CHUNKED_LAST,
  TE_PRESENT,
  fieldKind,
  fieldKindOfBytes,
  trimOws,
} from './fields.js';
import { FramingFields } from './framing-fields.js';
import { MAX_METHOD_LENGTH, commonMethod, methodSet } from './methods.js';
import { latin1 } from './latin1.js';
import { checkTargetForm } from './request-target.js';
import { WORD_SCAN_MIN, scanFieldValue, scanTarget } from './scan.js';
import { Buffer } from 'node:buffer';

/*
 * States. Small integers rather than strings because V8 compiles a dense integer switch into a
 * jump table; the names below are the documentation.
 */
const S_REQ_START = 0; // before a request line; empty lines (CRLF) are skipped (RFC 9112 §2.2)
const S_REQ_START_LF = 1; // CR seen before a request line
const S_METHOD = 2;
const S_TARGET = 3;
const S_VERSION = 4; // "HTTP/" DIGIT "." DIGIT CR, one byte at a time (#vIdx)
const S_REQ_LINE_LF = 5;
const S_FIELD_START = 6; // a field line or the empty line ending the header block / trailer section
const S_NAME = 7;
const S_VALUE_OWS = 8;
const S_VALUE = 9;
const S_VALUE_LF = 10;
const S_HEAD_END_LF = 11;
const S_BODY_LENGTH = 12;
const S_CHUNK_SIZE = 13;
const S_CHUNK_EXT = 14;
const S_CHUNK_SIZE_LF = 15;
const S_CHUNK_DATA = 16;
const S_CHUNK_DATA_CR = 17;
const S_CHUNK_DATA_LF = 18;
const S_MESSAGE_END = 19; // the message is complete; `end` is returned without reading a byte
const S_CLOSED = 20; // after a message without keep-alive: only stray CRLF may follow
const S_UPGRADED = 21; // after an upgrade/CONNECT message: bytes belong to another protocol
const S_FAILED = 22;

/* Which limit the running byte budget belongs to, for the right error. */
const SECTION_REQUEST_LINE = 0;
const SECTION_HEADERS = 1;
const SECTION_TRAILERS = 2;

/** Chunk sizes longer than this many hex digits are refused before they can overflow. */
const MAX_CHUNK_SIZE_DIGITS = 16;

const EMPTY = Buffer.alloc(0);

/**
 * Bytes decoded at once for token strings (see #text). A decode costs ~85 ns flat up to about
 * 1 KiB and then grows with the length (~360 ns for 4 KiB), so a larger window wastes time on a
 * small head followed by body bytes, and a longer head simply takes a few windows.
 */
const WINDOW = 1024;

/**
 * Incremental HTTP/1.1 request parser. Push bytes as they arrive, pull events until `need-data`.
 *
 * @throws {ParseError} from {@link next} and {@link finish}; the parser then stays failed.
 * @example
 * const parser = new RequestParser()
 * parser.push(Buffer.from('GET / HTTP/1.1\r\nHost: a\r\n\r\n'))
 * for (let ev = parser.next(); ev.kind !== 'need-data'; ev = parser.next()) {
 *   if (ev.kind === 'head') console.log(ev.method, ev.target) // GET /
 * }
 */
export class RequestParser {
  readonly #maxRequestLine: number;
  readonly #maxHeaderBytes: number;
  readonly #maxHeaderCount: number;
  readonly #maxExtBytes: number;
  readonly #maxTrailerBytes: number;
  readonly #maxTrailerCount: number;
  readonly #methods: ReadonlySet<string>;

  // Input: the chunk being scanned, chunks pushed behind it, and the stream offset of #buf[0].
  #buf: Buffer = EMPTY;
  #pos = 0;
  #queue: Buffer[] = [];
  #base = 0;
  // Decode window: `#win` is #buf[#winStart, #winEnd) as latin1. Finished tokens inside it are
  // cut with String#slice; see #text for why.
  #win = '';
  #winStart = 0;
  #winEnd = 0;
  /** A DataView of #buf for the word-at-a-time scans (scan.ts), made on first use per long chunk. */
  #view: DataView | null = null;

  #state = S_REQ_START;
  #error: ParseError | null = null;
  #carry = '';
  #budget: number;
  #section = SECTION_REQUEST_LINE;

  // The message being parsed.
  #method = '';
  #target = '';
  #vIdx = 0;
  #vMajor = 0;
  #vMinor = 0;
  #raw: string[] = [];
  #trailers: string[] | null = null;
  #fieldCount = 0;
  #name = '';
  #value = '';
  readonly #fields = new FramingFields();
  #keepAlive = true;
  #upgrade = false;
  #upgradeSent = false;
  #remaining = 0;
  #chunkSize = 0;
  #chunkDigits = 0;
  #extState = 0;
  #extBudget: number;

  constructor(options: ParserOptions = {}) {
    this.#maxRequestLine = options.maxRequestLineBytes ?? PARSER_DEFAULTS.maxRequestLineBytes;
    this.#maxHeaderBytes = options.maxHeaderBytes ?? PARSER_DEFAULTS.maxHeaderBytes;
    this.#maxHeaderCount = options.maxHeaderCount ?? PARSER_DEFAULTS.maxHeaderCount;
    this.#maxExtBytes = options.maxChunkExtensionBytes ?? PARSER_DEFAULTS.maxChunkExtensionBytes;
    this.#maxTrailerBytes = options.maxTrailerBytes ?? PARSER_DEFAULTS.maxTrailerBytes;
    this.#maxTrailerCount = options.maxTrailerCount ?? PARSER_DEFAULTS.maxTrailerCount;
    this.#methods = methodSet(options.methods);
    this.#budget = this.#maxRequestLine;
    this.#extBudget = this.#maxExtBytes;
  }

  /**
   * Appends bytes. No copy is made: body events are views into these buffers, so the caller
   * must not reuse a buffer after pushing it.
   */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.#pos >= this.#buf.length && this.#queue.length === 0) {
      this.#base += this.#buf.length;
      this.#buf = b;
      this.#pos = 0;
      this.#winStart = this.#winEnd = 0;
      this.#view = null;
    } else {
      this.#queue.push(b);
    }
  }

  /**
   * Returns the next event, or `need-data` when every pushed byte has been used.
   *
   * @throws {ParseError} when the bytes are not a valid request; every later call throws it again.
   */
  next(): ParseEvent {
    if (this.#error !== null) throw this.#error;
    try {
      return this.#run();
    } catch (err) {
      if (err instanceof ParseError) {
        this.#error = err;
        this.#state = S_FAILED;
      }
      throw err;
    }
  }

  /**
   * Tells the parser the stream has ended. Call it after `next()` returned `need-data`.
   *
   * @throws {ParseError} `HPE_INVALID_EOF_STATE` when the stream ends inside a message.
   */
  finish(): void {
    if (this.#error !== null) throw this.#error;
    const s = this.#state;
    if (s === S_REQ_START || s === S_CLOSED || s === S_UPGRADED || s === S_MESSAGE_END) return;
    this.#error = new ParseError('HPE_INVALID_EOF_STATE', 'Stream ended in the middle of a message', this.offset);
    this.#state = S_FAILED;
    throw this.#error;
  }

  /** Stream offset of the next byte to be parsed (bytes consumed so far). */
  get offset(): number {
    return this.#base + this.#pos;
  }

  /**
   * The method of the request being parsed, once its method token is complete (`''` before that
   * and between messages). A server that refuses the request needs it: an answer to HEAD carries
   * no content, or a client would read the content as its next response.
   */
  get method(): string {
    return this.#method;
  }

  /** True between messages: nothing of a next request has been parsed yet. */
  get idle(): boolean {
    return this.#state === S_REQ_START && this.#budget === this.#maxRequestLine;
  }

  /** True when idle and every pushed byte has been consumed: {@link reset} would lose nothing. */
  get drained(): boolean {
    return this.idle && this.#pos >= this.#buf.length && this.#queue.length === 0;
  }

  /**
   * Makes the parser as new (same options), with `offset` as the stream offset of the next byte
   * pushed. A server keeps the parsers of idle connections in a pool this way: an idle keep-alive
   * connection then holds no parser (~0.5 KiB) and no text of its last request.
   */
  reset(offset = 0): void {
    this.#buf = EMPTY;
    this.#pos = 0;
    // Not `length = 0`, a runtime call: the queue is almost always empty here already.
    if (this.#queue.length !== 0) this.#queue = [];
    this.#base = offset;
    this.#win = '';
    this.#winStart = this.#winEnd = 0;
    this.#view = null;
    this.#state = S_REQ_START;
    this.#error = null;
    this.#carry = '';
    this.#budget = this.#maxRequestLine;
    this.#section = SECTION_REQUEST_LINE;
    this.#method = '';
    this.#target = '';
    this.#vIdx = this.#vMajor = this.#vMinor = 0;
    // An idle parser's list is already a fresh empty one (the last head kept its own).
    if (this.#raw.length !== 0) this.#raw = [];
    this.#trailers = null;
    this.#fieldCount = 0;
    this.#name = '';
    this.#value = '';
    this.#fields.reset();
    this.#keepAlive = true;
    this.#upgrade = this.#upgradeSent = false;
    this.#remaining = this.#chunkSize = this.#chunkDigits = this.#extState = 0;
    this.#extBudget = this.#maxExtBytes;
  }

  #run(): ParseEvent {
    for (;;) {
      const state = this.#state;
      if (state === S_MESSAGE_END) return this.#endMessage();
      if (state === S_UPGRADED) {
        // The first call hands over whatever follows the message (maybe nothing); later calls
        // hand over bytes pushed since, so a caller can keep draining until `need-data`.
        if (this.#upgradeSent && this.#pos >= this.#buf.length && this.#queue.length === 0) return NEED_DATA;
        this.#upgradeSent = true;
        return new UpgradeEvent(this.#drain());
      }
      const buf = this.#buf;
      const end = buf.length;
      let pos = this.#pos;
      if (pos >= end) {
        if (!this.#shift()) return NEED_DATA;
        continue;
      }

      switch (state) {
        case S_REQ_START: {
          const c = buf[pos]!;
          if (c === CR) {
            this.#spend(1, pos);
            this.#pos = pos + 1;
            this.#state = S_REQ_START_LF;
          } else if (c === LF) {
            throw this.#fail('HPE_CR_EXPECTED', 'Expected CRLF, got a bare LF before the request line', pos);
          } else if (!this.#requestLine(buf, pos, end)) {
            this.#state = S_METHOD;
          }
          break;
        }

        case S_REQ_START_LF:
          if (buf[pos] !== LF) throw this.#fail('HPE_STRICT', 'Expected LF after CR', pos);
          this.#spend(1, pos);
          this.#pos = pos + 1;
          this.#state = S_REQ_START;
          break;

        case S_METHOD: {
          const start = pos;
          // Bounded by the request-line budget too, so a long method (after empty lines that used
          // up budget) fails at the same byte however the input is cut.
          const budgetStop = start + this.#budget;
          const stop = Math.min(end, start + MAX_METHOD_LENGTH - this.#carry.length, budgetStop);
          while (pos < stop && TOKEN[buf[pos]!] === 1) pos++;
          if (pos === stop && (stop === end || stop === budgetStop)) {
            this.#carryToken(buf, start, pos, end);
            break;
          }
          if (pos === stop) throw this.#fail('HPE_UNKNOWN_METHOD', 'Method not implemented', pos);
          if (buf[pos] !== SP) {
            if (pos === start && this.#carry.length === 0)
              throw this.#fail('HPE_INVALID_METHOD', 'Invalid method: not a token', pos);
            throw this.#fail('HPE_INVALID_METHOD', 'Expected space after method', pos);
          }
          let method: string;
          if (this.#carry.length === 0) {
            method = commonMethod(buf, start, pos) ?? this.#text(buf, start, pos);
          } else {
            method = this.#carry + latin1(buf, start, pos);
            this.#carry = '';
          }
          if (!this.#methods.has(method)) {
            if (method.length === 0) throw this.#fail('HPE_INVALID_METHOD', 'Empty method', pos);
            if (method === 'PRI')
              throw this.#fail(
                'HPE_HTTP2_PREFACE',
                'HTTP/2 connection preface received; this server speaks HTTP/1.1',
                pos,
              );
            throw this.#fail('HPE_UNKNOWN_METHOD', `Method not implemented: ${method}`, pos);
          }
          this.#method = method;
          this.#spend(pos + 1 - start, pos);
          this.#pos = pos + 1;
          this.#state = S_TARGET;
          break;
        }

        case S_TARGET: {
          const start = pos;
          const stop = end - start > this.#budget ? start + this.#budget : end;
          while (pos < stop && TARGET[buf[pos]!] === 1) pos++;
          if (pos === stop) {
            this.#carryToken(buf, start, pos, end);
            break;
          }
          const c = buf[pos]!;
          if (c !== SP) {
            if (c === CR || c === LF)
              throw this.#fail(
                'HPE_INVALID_CONSTANT',
                'Missing HTTP version after the request-target (HTTP/0.9 is not supported)',
                pos,
              );
            throw this.#fail('HPE_INVALID_URL', 'Invalid character in request-target', pos);
          }
          let target = this.#text(buf, start, pos);
          if (this.#carry.length !== 0) {
            target = this.#carry + target;
            this.#carry = '';
          }
          if (target.length === 0) throw this.#fail('HPE_INVALID_URL', 'Empty request-target', pos);
          const bad = checkTargetForm(this.#method, target);
          if (bad !== null) throw this.#fail('HPE_INVALID_URL', bad, pos);
          this.#target = target;
          this.#spend(pos + 1 - start, pos);
          this.#pos = pos + 1;
          this.#state = S_VERSION;
          this.#vIdx = 0;
          break;
        }

        case S_VERSION:
          this.#pos = this.#version(buf, pos, end);
          break;

        case S_REQ_LINE_LF:
          if (buf[pos] !== LF) throw this.#fail('HPE_STRICT', 'Expected CRLF after version', pos);
          this.#spend(1, pos);
          this.#pos = pos + 1;
          this.#state = S_FIELD_START;
          this.#section = SECTION_HEADERS;
          this.#budget = this.#maxHeaderBytes;
          break;

        case S_FIELD_START: {
          pos = this.#fieldLines(buf, pos, end);
          if (pos >= end) break;
          const c = buf[pos]!;
          if (TOKEN[c] === 1) {
            const max = this.#section === SECTION_TRAILERS ? this.#maxTrailerCount : this.#maxHeaderCount;
            if (++this.#fieldCount > max) {
              throw this.#fail(
                'HPE_HEADER_OVERFLOW',
                this.#section === SECTION_TRAILERS
                  ? `More than ${max} trailer fields`
                  : `More than ${max} header fields`,
                pos,
              );
            }
            this.#state = S_NAME;
          } else if (c === CR) {
            if (pos + 1 < end && buf[pos + 1] === LF && this.#budget >= 2) {
              // The empty line with its LF already here: S_HEAD_END_LF's work in this same step.
              this.#budget -= 2;
              this.#pos = pos + 2;
              if (this.#section !== SECTION_TRAILERS) return this.#completeHead(pos + 1);
              this.#state = S_MESSAGE_END;
              break;
            }
            this.#spend(1, pos);
            this.#pos = pos + 1;
            this.#state = S_HEAD_END_LF;
          } else if (c === SP || c === HTAB) {
            if (this.#fieldCount === 0 && this.#section === SECTION_HEADERS) {
              throw this.#fail('HPE_UNEXPECTED_SPACE', 'Unexpected whitespace after the request line', pos);
            }
            throw this.#fail(
              'HPE_INVALID_HEADER_TOKEN',
              'Unexpected whitespace at the start of a field line (obs-fold is not allowed, RFC 9112 §5.2)',
              pos,
            );
          } else if (c === LF) {
            throw this.#fail('HPE_CR_EXPECTED', 'Expected CRLF, got a bare LF', pos);
          } else {
            throw this.#fail('HPE_INVALID_HEADER_TOKEN', 'Invalid header field name character', pos);
          }
          break;
        }

        case S_NAME: {
          const start = pos;
          const stop = end - start > this.#budget ? start + this.#budget : end;
          while (pos < stop && TOKEN[buf[pos]!] === 1) pos++;
          if (pos === stop) {
            this.#carryToken(buf, start, pos, end);
            break;
          }
          if (buf[pos] !== COLON)
            throw this.#fail(
              'HPE_INVALID_HEADER_TOKEN',
              'Invalid header field name character (no whitespace is allowed before the colon)',
              pos,
            );
          let name = this.#text(buf, start, pos);
          if (this.#carry.length !== 0) {
            name = this.#carry + name;
            this.#carry = '';
          }
          this.#name = name;
          this.#spend(pos + 1 - start, pos);
          this.#pos = pos + 1;
          this.#state = S_VALUE_OWS;
          break;
        }

        case S_VALUE_OWS: {
          const start = pos;
          // Bounded by the budget like every other scan, so a run of whitespace cannot carry the
          // parser past the limit (the error offset would then depend on how bytes were cut).
          const stop = end - start > this.#budget ? start + this.#budget : end;
          while (pos < stop && (buf[pos] === SP || buf[pos] === HTAB)) pos++;
          if (pos === stop && stop < end) throw this.#overflow(pos);
          this.#spend(pos - start, pos);
          this.#pos = pos;
          if (pos < end) this.#state = S_VALUE;
          break;
        }

        case S_VALUE: {
          const start = pos;
          const stop = end - start > this.#budget ? start + this.#budget : end;
          while (pos < stop && FIELD_VALUE[buf[pos]!] === 1) pos++;
          if (pos === stop) {
            this.#carryToken(buf, start, pos, end);
            break;
          }
          const c = buf[pos]!;
          if (c !== CR) {
            if (c === LF) throw this.#fail('HPE_CR_EXPECTED', 'Missing expected CR after header value', pos);
            throw this.#fail('HPE_INVALID_HEADER_TOKEN', 'Invalid header value char', pos);
          }
          // Trailing OWS is not part of the value (RFC 9112 §5.1); trim SP/HTAB only.
          let e = pos;
          while (e > start && (buf[e - 1] === SP || buf[e - 1] === HTAB)) e--;
          let value = this.#text(buf, start, e);
          if (this.#carry.length !== 0) {
            value = e === start ? trimOws(this.#carry) : this.#carry + value; // the carry starts past the leading OWS
            this.#carry = '';
          }
          this.#value = value;
          this.#spend(pos + 1 - start, pos);
          this.#pos = pos + 1;
          this.#state = S_VALUE_LF;
          break;
        }

        case S_VALUE_LF:
          if (buf[pos] !== LF) throw this.#fail('HPE_LF_EXPECTED', 'Missing expected LF after header value', pos);
          this.#spend(1, pos);
          this.#pos = pos + 1;
          this.#state = S_FIELD_START;
          this.#addField(this.#name, this.#value, pos, fieldKind(this.#name));
          break;

        case S_HEAD_END_LF:
          if (buf[pos] !== LF) throw this.#fail('HPE_STRICT', 'Expected LF after headers', pos);
          this.#spend(1, pos);
          this.#pos = pos + 1;
          if (this.#section === SECTION_TRAILERS) {
            this.#state = S_MESSAGE_END;
            break;
          }
          return this.#completeHead(pos);

        case S_BODY_LENGTH: {
          const n = Math.min(end - pos, this.#remaining);
          this.#remaining -= n;
          this.#pos = pos + n;
          if (this.#remaining === 0) this.#state = S_MESSAGE_END;
          return new BodyChunk(buf.subarray(pos, pos + n));
        }

        case S_CHUNK_SIZE: {
          // The digits accumulate in locals, stored once: no private-field traffic per digit.
          let size = this.#chunkSize;
          let digits = this.#chunkDigits;
          let c = buf[pos]!;
          let h = HEX[c]!;
          while (h >= 0) {
            if (++digits > MAX_CHUNK_SIZE_DIGITS)
              throw this.#fail('HPE_INVALID_CHUNK_SIZE', 'Chunk size has too many digits', pos);
            size = size * 16 + h;
            if (size > Number.MAX_SAFE_INTEGER) throw this.#fail('HPE_INVALID_CHUNK_SIZE', 'Chunk size overflow', pos);
            if (++pos === end) break;
            c = buf[pos]!;
            h = HEX[c]!;
          }
          this.#chunkSize = size;
          this.#chunkDigits = digits;
          this.#pos = pos;
          if (pos === end) break;
          if (digits === 0) throw this.#fail('HPE_INVALID_CHUNK_SIZE', 'Invalid character in chunk size', pos);
          if (c === CR) {
            if (pos + 1 < end && buf[pos + 1] === LF) {
              // The LF is here too: S_CHUNK_SIZE_LF's work in this same step.
              this.#pos = pos + 2;
              this.#chunkLineDone();
              break;
            }
            this.#state = S_CHUNK_SIZE_LF;
          } else if (c === SEMI || c === SP || c === HTAB) {
            this.#extState = c === SEMI ? Ext.BEFORE_NAME : Ext.SIZE_WS;
            this.#state = S_CHUNK_EXT;
            this.#spendExt(pos);
          } else {
            throw this.#fail('HPE_INVALID_CHUNK_SIZE', 'Invalid character in chunk size', pos);
          }
          this.#pos = pos + 1;
          break;
        }

        case S_CHUNK_EXT: {
          let st = this.#extState;
          while (pos < end) {
            const from = st;
            st = chunkExtStep(st, buf[pos]!);
            if (st < 0) {
              if (from === Ext.SIZE_WS)
                throw this.#fail('HPE_INVALID_CHUNK_SIZE', 'Invalid character in chunk size', pos);
              throw this.#fail(
                'HPE_STRICT',
                st === Ext.ERROR_QUOTED
                  ? 'Invalid character in chunk extensions quoted value'
                  : 'Invalid character in chunk extensions',
                pos,
              );
            }
            if (st === Ext.DONE) {
              this.#state = S_CHUNK_SIZE_LF;
              pos++;
              break;
            }
            this.#spendExt(pos);
            pos++;
          }
          this.#extState = st;
          this.#pos = pos;
          break;
        }

        case S_CHUNK_SIZE_LF:
          if (buf[pos] !== LF) throw this.#fail('HPE_STRICT', 'Expected LF after chunk size', pos);
          this.#pos = pos + 1;
          this.#chunkLineDone();
          break;

        case S_CHUNK_DATA: {
          const n = Math.min(end - pos, this.#remaining);
          this.#remaining -= n;
          this.#pos = pos + n;
          if (this.#remaining === 0) this.#state = S_CHUNK_DATA_CR;
          return new BodyChunk(buf.subarray(pos, pos + n));
        }

        case S_CHUNK_DATA_CR:
          if (buf[pos] !== CR) throw this.#fail('HPE_STRICT', 'Expected CRLF after chunk data', pos);
          if (pos + 1 < end && buf[pos + 1] === LF) {
            // The LF is here too: S_CHUNK_DATA_LF's work in this same step.
            this.#pos = pos + 2;
            this.#state = S_CHUNK_SIZE;
            break;
          }
          this.#pos = pos + 1;
          this.#state = S_CHUNK_DATA_LF;
          break;

        case S_CHUNK_DATA_LF:
          if (buf[pos] !== LF) throw this.#fail('HPE_STRICT', 'Expected LF after chunk data', pos);
          this.#pos = pos + 1;
          this.#state = S_CHUNK_SIZE;
          break;

        case S_CLOSED: {
          while (pos < end && (buf[pos] === CR || buf[pos] === LF)) pos++;
          this.#pos = pos;
          if (pos < end) throw this.#fail('HPE_CLOSED_CONNECTION', 'Data after `Connection: close`', pos);
          break;
        }

        default:
          throw new Error(`RequestParser: unreachable state ${state}`);
      }
    }
  }

  /**
   * Fast path for a request line that lies whole in the chunk and is ordinary: a known method, a
   * target whose form suits it, and exactly `HTTP/1.1` or `HTTP/1.0` then CRLF. Why: it replaces
   * four trips through #run's switch (and the version's byte-by-byte state) with one scan over
   * locals. It takes the line exactly as the per-state path would, or returns false having changed
   * nothing, and the per-state path parses the line: every error, code and offset comes from there.
   */
  #requestLine(buf: Buffer, start: number, end: number): boolean {
    // The whole line, CRLF included, must fit the byte budget, so no per-state `#spend` could throw.
    const lim = end - start > this.#budget ? start + this.#budget : end;
    const methodStop = Math.min(lim, start + MAX_METHOD_LENGTH);
    let pos = start;
    while (pos < methodStop && TOKEN[buf[pos]!] === 1) pos++;
    if (pos === start || pos === methodStop || buf[pos] !== SP) return false;
    const common = commonMethod(buf, start, pos);
    const method = common ?? this.#text(buf, start, pos);
    // The common methods are KNOWN_METHODS, which every parser accepts: no set lookup for them.
    if (common === null && !this.#methods.has(method)) return false;
    const targetStart = ++pos;
    const view = this.#view ?? this.#viewOf(buf);
    if (view === null) {
      // isTargetByte's condition written out, as for field values in #fieldLines.
      for (; pos < lim; pos++) {
        const c = buf[pos]!;
        if (c < 0x21 || c > 0x7e) break;
      }
    } else pos = scanTarget(buf, view, pos, lim);
    // SP, "HTTP/1.x", CR, LF: 11 bytes from `pos`.
    if (pos === targetStart || pos + 11 > lim || buf[pos] !== SP) return false;
    const v = pos + 1;
    const minor = buf[v + 7]! - 0x30;
    if (
      buf[v] !== 0x48 ||
      buf[v + 1] !== 0x54 ||
      buf[v + 2] !== 0x54 ||
      buf[v + 3] !== 0x50 ||
      buf[v + 4] !== 0x2f ||
      buf[v + 5] !== 0x31 ||
      buf[v + 6] !== 0x2e ||
      (minor !== 0 && minor !== 1) ||
      buf[v + 8] !== CR ||
      buf[v + 9] !== LF
    ) {
      return false;
    }
    const target = this.#text(buf, targetStart, pos);
    if (checkTargetForm(method, target) !== null) return false;
    this.#method = method;
    this.#target = target;
    this.#vMajor = 1;
    this.#vMinor = minor;
    this.#vIdx = 8;
    this.#pos = v + 10;
    this.#state = S_FIELD_START;
    this.#section = SECTION_HEADERS;
    this.#budget = this.#maxHeaderBytes;
    return true;
  }

  /**
   * Fast path for field lines that lie whole in the chunk: name, colon, OWS, value and CRLF in one
   * loop over locals, instead of five trips through #run's switch. Why: a head is mostly field
   * lines, and the per-state path pays a dispatch and private-field traffic at every step. A line
   * is taken exactly as the per-state path would take it (same strings, budget, count, #addField
   * call and offsets) or not at all: the loop stops before any line that is unusual (a byte outside
   * the grammar, a bare CR or LF, crossing the chunk end or the byte budget, one field too many),
   * and the per-state path parses that line and reports its error. Returns where it stopped.
   */
  #fieldLines(buf: Buffer, pos: number, end: number): number {
    const max = this.#section === SECTION_TRAILERS ? this.#maxTrailerCount : this.#maxHeaderCount;
    const view = this.#view ?? this.#viewOf(buf);
    for (;;) {
      const start = pos;
      const budget = this.#budget;
      // The line, CRLF included, must fit the budget, so no per-state `#spend` could have thrown.
      const lim = end - start > budget ? start + budget : end;
      while (pos < lim && isTokenByte(buf[pos]!)) pos++;
      if (pos === start || pos === lim || buf[pos] !== COLON || this.#fieldCount >= max) return start;
      const nameEnd = pos++;
      while (pos < lim && (buf[pos] === SP || buf[pos] === HTAB)) pos++;
      const valueStart = pos;
      // Short chunk: byte by byte, testing isFieldValueByte's condition written out (measurably
      // faster here than the call or a FIELD_VALUE load), and kept here so both paths stay inlined.
      if (view === null) {
        for (; pos < lim; pos++) {
          const c = buf[pos]!;
          if (c < 0x20 ? c !== HTAB : c === 0x7f) break;
        }
      } else pos = scanFieldValue(buf, view, pos, lim);
      if (pos + 2 > lim || buf[pos] !== CR || buf[pos + 1] !== LF) return start;
      // Trailing OWS is not part of the value (RFC 9112 §5.1).
      let e = pos;
      while (e > valueStart && (buf[e - 1] === SP || buf[e - 1] === HTAB)) e--;
      this.#fieldCount++;
      this.#budget = budget - (pos + 2 - start);
      this.#pos = pos + 2;
      // Classified from the bytes: no case-folding compare on the (possibly sliced) name string.
      const kind = fieldKindOfBytes(buf, start, nameEnd);
      this.#addField(this.#text(buf, start, nameEnd), this.#text(buf, valueStart, e), pos + 1, kind);
      pos += 2;
    }
  }

  /** "HTTP/" DIGIT "." DIGIT CR; returns the new position. The version is judged as soon as its last digit arrives. */
  #version(buf: Buffer, pos: number, end: number): number {
    while (pos < end) {
      const c = buf[pos]!;
      const i = this.#vIdx;
      this.#spend(1, pos);
      if (i < 5) {
        if (c !== HTTP_SLASH[i]) throw this.#fail('HPE_INVALID_CONSTANT', 'Expected HTTP/', pos);
      } else if (i === 5 || i === 7) {
        if (c < 0x30 || c > 0x39) throw this.#fail('HPE_INVALID_VERSION', 'Invalid HTTP version', pos);
        if (i === 5) {
          this.#vMajor = c - 0x30;
        } else {
          this.#vMinor = c - 0x30;
          if (this.#vMajor !== 1 || this.#vMinor > 1) {
            throw this.#fail(
              'HPE_VERSION_NOT_SUPPORTED',
              `HTTP/${this.#vMajor}.${this.#vMinor} is not supported; use HTTP/1.1`,
              pos,
            );
          }
        }
      } else if (i === 6) {
        if (c !== 0x2e) throw this.#fail('HPE_INVALID_VERSION', 'Invalid HTTP version', pos);
      } else {
        if (c !== CR) throw this.#fail('HPE_INVALID_VERSION', 'Expected CRLF after version', pos);
        this.#state = S_REQ_LINE_LF;
        return pos + 1;
      }
      this.#vIdx = i + 1;
      pos++;
    }
    return pos;
  }

  /** The LF ending a chunk-size line: the chunk's data follows, or the trailer section after the last chunk. */
  #chunkLineDone(): void {
    if (this.#chunkSize === 0) {
      this.#state = S_FIELD_START;
      this.#section = SECTION_TRAILERS;
      this.#budget = this.#maxTrailerBytes;
      this.#fieldCount = 0;
    } else {
      this.#remaining = this.#chunkSize;
      this.#state = S_CHUNK_DATA;
    }
    this.#chunkSize = 0;
    this.#chunkDigits = 0;
  }

  /**
   * A complete field line: record it and apply the framing fields' rules (headers only, not
   * trailers). `kind` is the name's {@link fieldKind}; the fast path classifies the name bytes.
   */
  #addField(name: string, value: string, pos: number, kind: number): void {
    if (this.#section === SECTION_TRAILERS) {
      (this.#trailers ??= []).push(name, value);
      return;
    }
    this.#raw.push(name, value);
    if (kind === FieldKind.OTHER) return;
    const refusal = this.#fields.add(kind, value, this.#vMinor === 0);
    if (refusal !== null) throw this.#fail(refusal.code, refusal.reason, pos);
  }

  /** The empty line after the header fields: decide framing (RFC 9112 §6.3) and emit the head. */
  #completeHead(pos: number): RequestHead {
    const f = this.#fields;
    const te = f.te;
    if ((te & TE_PRESENT) !== 0 && (te & TE_CHUNKED_LAST) === 0) {
      // §6.3 rule 4: a request whose final transfer coding is not chunked cannot be framed: 400.
      throw this.#fail('HPE_INVALID_TRANSFER_ENCODING', 'Request has invalid `Transfer-Encoding`', pos);
    }
    const conn = f.conn;
    const keepAlive = (conn & CONN_CLOSE) === 0 && (this.#vMinor === 1 || (conn & CONN_KEEP_ALIVE) !== 0);
    const connect = this.#method === 'CONNECT';
    const upgrade = connect || ((conn & CONN_UPGRADE) !== 0 && f.upgrade);
    const head = new RequestHead(this.#method, this.#target, this.#vMajor, this.#vMinor, this.#raw);
    head.contentLength = f.contentLength;
    head.keepAlive = keepAlive;
    head.upgrade = upgrade;
    head.expectContinue = (f.expect & 1) !== 0;
    head.expectUnsupported = (f.expect & 2) !== 0;
    head.hostCount = f.hostCount;
    head.hostInvalid = f.hostInvalid;
    this.#keepAlive = keepAlive;
    this.#upgrade = upgrade;
    if (connect) {
      // A CONNECT request has no content (RFC 9110 §9.3.6): what follows belongs to the tunnel.
      this.#state = S_MESSAGE_END;
    } else if ((te & TE_CHUNKED_LAST) !== 0) {
      head.framing = 'chunked';
      this.#state = S_CHUNK_SIZE;
      this.#extBudget = this.#maxExtBytes;
    } else if (f.contentLength >= 0) {
      head.framing = 'length';
      this.#remaining = f.contentLength;
      this.#state = f.contentLength > 0 ? S_BODY_LENGTH : S_MESSAGE_END;
    } else {
      this.#state = S_MESSAGE_END;
    }
    return head;
  }

  /** Emits `end` and resets per-message state for the next request. */
  #endMessage(): MessageEnd {
    const trailers = this.#trailers;
    this.#method = '';
    this.#state = this.#upgrade ? S_UPGRADED : this.#keepAlive ? S_REQ_START : S_CLOSED;
    this.#section = SECTION_REQUEST_LINE;
    this.#budget = this.#maxRequestLine;
    this.#raw = [];
    this.#trailers = null;
    this.#fieldCount = 0;
    this.#fields.reset();
    this.#name = '';
    this.#value = '';
    return trailers === null ? END_NO_TRAILERS : new MessageEnd(trailers);
  }

  /** Moves to the next pushed chunk; false when none is left. */
  #shift(): boolean {
    this.#base += this.#buf.length;
    const next = this.#queue.shift();
    this.#buf = next ?? EMPTY;
    this.#pos = 0;
    this.#winStart = this.#winEnd = 0;
    // Drop the decoded window with its chunk: an idle keep-alive connection should hold no request text.
    this.#win = '';
    this.#view = null;
    return next !== undefined;
  }

  /** Every byte not yet consumed, as one buffer, for the protocol that takes the connection over. */
  #drain(): Buffer {
    const parts = [this.#buf.subarray(this.#pos), ...this.#queue];
    // Everything handed over counts as consumed, queued chunks included, so `offset` stays exact.
    this.#base += this.#buf.length;
    for (const q of this.#queue) this.#base += q.length;
    this.#buf = EMPTY;
    this.#pos = 0;
    this.#winStart = this.#winEnd = 0;
    this.#view = null;
    this.#queue = [];
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /**
   * Decodes the finished token `buf[a, b)` of the current chunk. Why a window: `latin1Slice` is a
   * call into C++ that costs tens of nanoseconds whatever the length, and a head has a dozen tokens
   * or more. Decoding up to WINDOW bytes once and cutting tokens out with `String#slice` (a JIT
   * builtin, no C++ call) costs about one such call per head, and pipelined requests share a
   * window. Tokens of 13+ chars become V8 sliced strings that keep the window alive: at most
   * WINDOW bytes per request.
   */
  #text(buf: Buffer, a: number, b: number): string {
    let w = this.#winStart;
    if (a < w || b > this.#winEnd) {
      w = a;
      const e = Math.min(buf.length, Math.max(b, a + WINDOW));
      this.#win = latin1(buf, a, e);
      this.#winStart = a;
      this.#winEnd = e;
    }
    return this.#win.slice(a - w, b - w);
  }

  /** The word-scan view of the current chunk, or null when the chunk is too short to earn it. */
  #viewOf(buf: Buffer): DataView | null {
    if (buf.length < WORD_SCAN_MIN) return null;
    return (this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength));
  }

  /**
   * A scan stopped at `pos` inside a token: past the byte budget (`pos < end`) is the limit's
   * error; at the end of the chunk the bytes so far are carried into the next chunk.
   */
  #carryToken(buf: Buffer, start: number, pos: number, end: number): void {
    if (pos < end) throw this.#overflow(pos);
    this.#spend(pos - start, pos);
    this.#carry += latin1(buf, start, pos);
    this.#pos = pos;
  }

  #spend(n: number, pos: number): void {
    this.#budget -= n;
    if (this.#budget < 0) throw this.#overflow(pos);
  }

  #spendExt(pos: number): void {
    if (--this.#extBudget < 0)
      throw this.#fail('HPE_CHUNK_EXTENSIONS_OVERFLOW', `Chunk extensions exceed ${this.#maxExtBytes} bytes`, pos);
  }

  #overflow(pos: number): ParseError {
    switch (this.#section) {
      case SECTION_REQUEST_LINE:
        return this.#fail('HPE_URI_TOO_LONG', `Request line exceeds ${this.#maxRequestLine} bytes`, pos);
      case SECTION_HEADERS:
        return this.#fail('HPE_HEADER_OVERFLOW', `Header fields exceed ${this.#maxHeaderBytes} bytes`, pos);
      default:
        return this.#fail('HPE_HEADER_OVERFLOW', `Trailer fields exceed ${this.#maxTrailerBytes} bytes`, pos);
    }
  }

  #fail(code: ParseErrorCode, reason: string, pos: number): ParseError {
    return new ParseError(code, reason, this.#base + pos);
  }
}

const HTTP_SLASH = [0x48, 0x54, 0x54, 0x50, 0x2f]; // "HTTP/"
