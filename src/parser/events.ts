/**
 * What {@link RequestParser.next} hands back: one value per step of a message.
 *
 * Contract, per message, in order: one `head`; zero or more `body`; one `end`. After the `end` of
 * an upgrade or CONNECT request, one `upgrade` carrying every byte the parser did not consume.
 * `need-data` means "push more bytes"; it is a value, never an exception.
 */

/** How the length of a request body is determined (RFC 9112 §6.3). */
export type Framing = 'none' | 'length' | 'chunked';

/**
 * A parsed request head: request line, header fields and the framing decisions derived from them.
 * Header names and values are latin1-decoded bytes exactly as sent, except that the optional
 * whitespace around a field value is removed (RFC 9112 §5.1: OWS is not part of the value).
 *
 * @example
 * const ev = parser.next()
 * if (ev.kind === 'head') console.log(ev.method, ev.target, ev.get('host'))
 */
export class RequestHead {
  readonly kind = 'head' as const;
  /** The method token, case-sensitive as sent (RFC 9110 §9.1). */
  method: string;
  /** The request-target exactly as sent (origin-, absolute-, authority- or asterisk-form). */
  target: string;
  /** 1 */
  versionMajor: number;
  /** 0 or 1 */
  versionMinor: number;
  /** Header fields in wire order as `[name0, value0, name1, value1, …]`, duplicates kept (Node's `rawHeaders` shape). */
  rawHeaders: string[];
  /** `length` with {@link contentLength} bytes, `chunked`, or `none` (no body). */
  framing: Framing;
  /** Declared Content-Length, or -1 when the field is absent. With framing `none` after a CONNECT it is informational. */
  contentLength: number;
  /** Whether the connection may carry another request after this one (version and `Connection` tokens). */
  keepAlive: boolean;
  /** `Connection: upgrade` with an `Upgrade` field, or a CONNECT request: the parser stops after this message. */
  upgrade: boolean;
  /** `Expect: 100-continue` was sent. */
  expectContinue: boolean;
  /** An `Expect` field with any other expectation was sent (a server answers 417). */
  expectUnsupported: boolean;
  /** How many `Host` fields were sent; HTTP/1.1 requires exactly one (RFC 9112 §3.2), which the server enforces. */
  hostCount: number;
  /** A Host field's value is not `uri-host [":" port]` (RFC 9110 §7.2); the server refuses it (400). */
  hostInvalid: boolean;

  constructor(method: string, target: string, versionMajor: number, versionMinor: number, rawHeaders: string[]) {
    this.method = method;
    this.target = target;
    this.versionMajor = versionMajor;
    this.versionMinor = versionMinor;
    this.rawHeaders = rawHeaders;
    this.framing = 'none';
    this.contentLength = -1;
    this.keepAlive = true;
    this.upgrade = false;
    this.expectContinue = false;
    this.expectUnsupported = false;
    this.hostCount = 0;
    this.hostInvalid = false;
  }

  /** `'1.1'` or `'1.0'`, as Node's `httpVersion`. */
  get httpVersion(): string {
    return this.versionMinor === 1 ? '1.1' : '1.0';
  }

  /**
   * Case-insensitive lookup of a field; repeated fields are joined with `", "` (RFC 9110 §5.3).
   * Linear over the fields, which is cheaper than building a map for the few lookups a request does.
   *
   * @param name the field name, in any case
   * @example head.get('content-type') // 'application/json'
   */
  get(name: string): string | undefined {
    return getField(this.rawHeaders, name);
  }
}

/**
 * Case-insensitive lookup in a flat `[name, value, …]` list, joining repeats with `", "` — or,
 * with `firstOnly`, the first value alone (Node's rule for fields such as Content-Type).
 *
 * @example getField(['Host', 'a'], 'host') // 'a'
 */
export function getField(raw: readonly string[], name: string, firstOnly = false): string | undefined {
  const wanted = name.toLowerCase();
  const len = wanted.length;
  let found: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i]!;
    if (n.length === len && (n === wanted || n.toLowerCase() === wanted)) {
      if (found === undefined) {
        found = raw[i + 1]!;
        if (firstOnly) return found;
      } else {
        found = `${found}, ${raw[i + 1]!}`;
      }
    }
  }
  return found;
}

/** A piece of the request body, with chunked framing already removed. A view into the pushed bytes: no copy. */
export class BodyChunk {
  readonly kind = 'body' as const;
  constructor(readonly data: Buffer) {}
}

/** The message is complete. `trailers` holds a chunked body's trailer fields (`[name, value, …]`), or null. */
export class MessageEnd {
  readonly kind = 'end' as const;
  constructor(readonly trailers: string[] | null) {}
}

/** Parsing stopped at an upgrade or CONNECT; `remaining` holds the bytes that belong to the next protocol. */
export class UpgradeEvent {
  readonly kind = 'upgrade' as const;
  constructor(readonly remaining: Buffer) {}
}

/** The parser needs more bytes before it can say anything new. */
export interface NeedData {
  readonly kind: 'need-data';
}

/** Every value {@link RequestParser.next} can return. */
export type ParseEvent = RequestHead | BodyChunk | MessageEnd | UpgradeEvent | NeedData;

/** The one `need-data` value; compare with `===` or by `kind`. */
export const NEED_DATA: NeedData = Object.freeze({ kind: 'need-data' as const });

/** Shared end event for messages without trailers: no allocation per request. */
export const END_NO_TRAILERS: MessageEnd = Object.freeze(new MessageEnd(null));
