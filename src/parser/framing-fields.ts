/**
 * The framing fields of one request head — Content-Length, Transfer-Encoding, Connection, Host,
 * Upgrade, Expect — checked as their field lines complete (RFC 9112 §3.2, §6.1, §6.3; RFC 9110
 * §7.6.1, §7.8, §10.1.1). The parser keeps one per connection and resets it per message; what they
 * decide about the message (its framing, keep-alive, upgrade) is read when the head completes.
 */
import type { ParseErrorCode } from './errors.js';
import { isValidHost } from './request-target.js';
import {
  CL_OVERFLOW,
  FieldKind,
  TE_ERROR,
  addTransferCodings,
  connectionOptions,
  parseContentLength,
} from './fields.js';

/** Why a framing field refuses the request (made only on a refusal). */
export interface FieldRefusal {
  code: ParseErrorCode;
  reason: string;
}

function refuse(code: ParseErrorCode, reason: string): FieldRefusal {
  return { code, reason };
}

/** See the module comment. */
export class FramingFields {
  /** Declared Content-Length, or -1. */
  contentLength = -1;
  /** Transfer coding flags (fields.ts `TE_*`), 0 when absent. */
  te = 0;
  /** Connection option flags (fields.ts `CONN_*`). */
  conn = 0;
  /** An Upgrade field naming something (an empty one names nothing, as llhttp reads it). */
  upgrade = false;
  hostCount = 0;
  /** A Host field whose value is not `uri-host [":" port]` (request-target.ts `isValidHost`). */
  hostInvalid = false;
  /** 1: `100-continue`; 2: any other expectation. */
  expect = 0;

  /**
   * Applies the rules of one header field of framing kind `kind` (not `FieldKind.OTHER`); `http10`:
   * the request is HTTP/1.0. Returns why the request is refused, or null.
   */
  add(kind: number, value: string, http10: boolean): FieldRefusal | null {
    switch (kind) {
      case FieldKind.CONTENT_LENGTH: {
        if (this.contentLength !== -1) return refuse('HPE_UNEXPECTED_CONTENT_LENGTH', 'Duplicate Content-Length');
        if (this.te !== 0)
          return refuse('HPE_INVALID_CONTENT_LENGTH', "Content-Length can't be present with Transfer-Encoding");
        const n = parseContentLength(value);
        if (n === CL_OVERFLOW) return refuse('HPE_INVALID_CONTENT_LENGTH', 'Content-Length overflow');
        if (n < 0)
          return refuse(
            'HPE_INVALID_CONTENT_LENGTH',
            value.length === 0 ? 'Empty Content-Length' : 'Invalid character in Content-Length',
          );
        this.contentLength = n;
        return null;
      }
      case FieldKind.TRANSFER_ENCODING: {
        // RFC 9112 §6.3 rule 3: TE with CL "ought to be handled as an error" — the classic smuggling vector.
        if (this.contentLength !== -1)
          return refuse('HPE_INVALID_TRANSFER_ENCODING', "Transfer-Encoding can't be present with Content-Length");
        if (http10)
          return refuse(
            'HPE_INVALID_TRANSFER_ENCODING',
            'Transfer-Encoding is not allowed in HTTP/1.0 (RFC 9112 §6.1)',
          );
        const te = addTransferCodings(this.te, value);
        if (te === TE_ERROR) return refuse('HPE_INVALID_TRANSFER_ENCODING', 'Invalid `Transfer-Encoding` header value');
        this.te = te;
        return null;
      }
      case FieldKind.CONNECTION:
        this.conn |= connectionOptions(value);
        return null;
      case FieldKind.HOST:
        this.hostCount++;
        if (!isValidHost(value)) this.hostInvalid = true;
        return null;
      case FieldKind.UPGRADE:
        // An empty value names no protocol (RFC 9110 §7.8): not an upgrade, so what follows the
        // message is the next request. llhttp draws the line at the same place (empty or not), and
        // an upgrade is exactly where two parsers must agree on how many messages a stream holds.
        if (value !== '') this.upgrade = true;
        return null;
      case FieldKind.EXPECT:
        this.expect |= value.toLowerCase() === '100-continue' ? 1 : 2;
        return null;
    }
    return null;
  }

  /** Forgets the last message's fields. */
  reset(): void {
    this.contentLength = -1;
    this.te = this.conn = this.hostCount = this.expect = 0;
    this.upgrade = false;
    this.hostInvalid = false;
  }
}
