/**
 * The one error path's pieces that need no socket: the registry lookup the engine uses for its own
 * answers, and the bytes of a refusal (the engine's answer to a request that never became an
 * exchange). The rest of the path is exercised by every error test over the wire.
 */
import { describe, expect, it } from 'vitest';
import { refusal, registeredError } from '../../src/http/error-path.js';

describe('registeredError', () => {
  it('should take the status from the registry of the code', () => {
    expect([
      registeredError('ERR_REQUEST_TIMEOUT', 'late').status,
      registeredError('HPE_UNKNOWN_METHOD', 'x').status,
    ]).toEqual([408, 501]);
    expect(registeredError('ERR_MISSING_HOST', 'no host')).toMatchObject({
      code: 'ERR_MISSING_HOST',
      expose: true,
      message: 'no host',
    });
  });

  it('should refuse a code no registry has', () => {
    expect(() => registeredError('ERR_MADE_UP', 'x')).toThrow(/Unregistered error code ERR_MADE_UP/);
  });
});

describe('refusal', () => {
  it('should be a complete problem+json response that closes the connection, all ASCII', () => {
    const r = refusal(registeredError('HPE_INVALID_METHOD', 'Invalid method ü'), false);
    const [head, body] = r.split('\r\n\r\n') as [string, string];
    expect(head).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(head).toContain('content-type: application/problem+json; charset=utf-8');
    expect(head).toContain(`content-length: ${body.length}`);
    expect(head).toContain('connection: close');
    expect(JSON.parse(body)).toEqual({
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      detail: 'Invalid method ü',
      code: 'HPE_INVALID_METHOD',
    });
    expect(/^[\x00-\x7f]*$/.test(r)).toBe(true);
  });

  it('should carry only the length of its problem to a HEAD request', () => {
    const r = refusal(registeredError('HPE_INVALID_URL', 'bad'), true);
    expect(r.endsWith('\r\n\r\n')).toBe(true);
    expect(r).toMatch(/content-length: [1-9]\d*\r\n/);
  });
});
