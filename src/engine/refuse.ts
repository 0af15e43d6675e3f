/**
 * Requests the engine refuses as soon as their head is parsed, before any middleware runs: what
 * RFC 9112 and 9110 rule out whatever the application would say.
 */
import type { RequestHead } from '../parser/events.js';
import type { EngineHost } from './host.js';

/**
 * The error to answer `head` with, or null to let the application have it: an HTTP/1.1 request
 * without exactly one Host (RFC 9112 §3.2), a Host that is not `host[:port]` (RFC 9110 §7.2), an expectation other than 100-continue (RFC 9110
 * §10.1.1), a transfer coding other than chunked (RFC 9112 §6.1), an Upgrade or CONNECT nobody
 * listens for (RFC 9110 §7.8, §9.3.6). `routed`: the app's stack answers this upgrade request
 * (see connection.ts), so it is not refused for want of a listener.
 */
export function refusalOf(head: RequestHead, host: EngineHost, routed: boolean): Error | null {
  if (head.versionMinor === 1 ? head.hostCount !== 1 : head.hostCount > 1) {
    return host.httpError(
      'ERR_MISSING_HOST',
      head.hostCount === 0 ? 'Missing Host header' : 'More than one Host header',
    );
  }
  if (head.hostInvalid) {
    return host.httpError(
      'ERR_INVALID_HOST',
      `Invalid Host header ${JSON.stringify(head.get('host'))}: expected host[:port] (RFC 9110 §7.2)`,
    );
  }
  if (head.expectUnsupported) return host.httpError('ERR_EXPECTATION_FAILED', 'Only Expect: 100-continue is supported');
  if (head.framing === 'chunked') {
    const te = head.get('transfer-encoding')!.trim().toLowerCase();
    if (te !== 'chunked')
      return host.httpError('ERR_UNSUPPORTED_TRANSFER_CODING', `Unsupported transfer coding: ${te}`);
  }
  if (head.upgrade && !routed && !host.hasUpgradeListener()) {
    return head.method === 'CONNECT'
      ? host.httpError('ERR_CONNECT_UNSUPPORTED', 'CONNECT is not supported by this server')
      : host.httpError('ERR_UPGRADE_REQUIRED', 'No handler for this Upgrade');
  }
  return null;
}
