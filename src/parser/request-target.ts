/**
 * Request-target form rules (RFC 9112 §3.2). The byte-level check (visible ASCII only) happens
 * while scanning; this module checks the *form* once the target is complete.
 *
 *   origin-form    = absolute-path [ "?" query ]         any method
 *   absolute-form  = absolute-URI                        any method (proxies; servers MUST accept it, §3.2.2)
 *   authority-form = uri-host ":" port                   CONNECT only (§3.2.3)
 *   asterisk-form  = "*"                                 OPTIONS only (§3.2.4)
 */

/** Returns null when `target` has a form allowed for `method`, or the reason it does not. */
export function checkTargetForm(method: string, target: string): string | null {
  const c0 = target.charCodeAt(0);
  if (method === 'CONNECT')
    return isAuthorityForm(target) ? null : 'CONNECT requires an authority-form target (host:port)';
  if (c0 === 0x2f /* / */) return null;
  if (c0 === 0x2a /* * */) {
    if (target.length !== 1) return 'Invalid asterisk-form target';
    return method === 'OPTIONS' ? null : 'The asterisk-form target is only allowed with OPTIONS';
  }
  return checkAbsoluteForm(target);
}

/**
 * absolute-URI = scheme ":" hier-part [ "?" query ]; we require the `//authority` hier-part,
 * which every http(s) URI has. RFC 9110 §4.2.4: a recipient SHOULD treat userinfo in an http(s)
 * URI as an error, because `http://trusted@evil` is a phishing and confusion vector.
 */
function checkAbsoluteForm(target: string): string | null {
  let i = 0;
  const n = target.length;
  // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
  if (!isAlpha(target.charCodeAt(0))) return 'Invalid request-target';
  for (i = 1; i < n; i++) {
    const c = target.charCodeAt(i);
    if (isAlpha(c) || isDigit(c) || c === 0x2b || c === 0x2d || c === 0x2e) continue;
    break;
  }
  if (target.charCodeAt(i) !== 0x3a || target.charCodeAt(i + 1) !== 0x2f || target.charCodeAt(i + 2) !== 0x2f) {
    return 'Invalid request-target: expected origin-form or an absolute URI';
  }
  const authStart = i + 3;
  let authEnd = authStart;
  while (authEnd < n) {
    const c = target.charCodeAt(authEnd);
    if (c === 0x2f || c === 0x3f || c === 0x23) break;
    if (c === 0x40) return 'Userinfo is not allowed in the request-target (RFC 9110 §4.2.4)';
    authEnd++;
  }
  if (authEnd === authStart) return 'Empty authority in absolute-form request-target';
  return null;
}

/** uri-host ":" port, with a non-empty host (reg-name or IP literal) and a decimal port. */
function isAuthorityForm(target: string): boolean {
  const colon = target.lastIndexOf(':');
  if (colon <= 0 || colon === target.length - 1 || target.length - colon - 1 > 5) return false;
  for (let i = colon + 1; i < target.length; i++) if (!isDigit(target.charCodeAt(i))) return false;
  const host = target.slice(0, colon);
  if (host.charCodeAt(0) === 0x5b /* [ */) return host.charCodeAt(host.length - 1) === 0x5d && host.length > 2;
  for (let i = 0; i < host.length; i++) {
    const c = host.charCodeAt(i);
    // reg-name = *( unreserved / pct-encoded / sub-delims ); '/', '?', '#', '@' and ':' are out.
    if (c === 0x2f || c === 0x3f || c === 0x23 || c === 0x40 || c === 0x3a) return false;
  }
  return true;
}

function isAlpha(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** reg-name bytes (RFC 3986 §3.2.2): unreserved, `%` of pct-encoded, sub-delims. */
const REG_NAME = new Uint8Array(128);
for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~%!$&'()*+,;=") {
  REG_NAME[c.charCodeAt(0)] = 1;
}

/**
 * Whether a Host field value has the form RFC 9110 §7.2 gives it: `uri-host [ ":" port ]`, or
 * empty (§7.2: a target without authority). A userinfo `@`, a path, or a second colon is not a
 * host: `Host: evil.test:x@good.test` would otherwise have one parser read `evil.test` and another
 * `good.test` (RFC 9110 §4.2.4 has a recipient treat userinfo as an error).
 *
 * @example isValidHost('example.com:8080') // true
 */
export function isValidHost(v: string): boolean {
  const n = v.length;
  let i = 0;
  if (n > 0 && v.charCodeAt(0) === 0x5b /* [ */) {
    // IP-literal: IPv6address or IPvFuture, both within reg-name bytes plus ':'.
    const close = v.indexOf(']');
    if (close < 2) return false;
    for (i = 1; i < close; i++) {
      const c = v.charCodeAt(i);
      if (c !== 0x3a && (c > 0x7f || REG_NAME[c] === 0 || c === 0x25)) return false;
    }
    i = close + 1;
  } else {
    for (; i < n; i++) {
      const c = v.charCodeAt(i);
      if (c === 0x3a) break;
      if (c > 0x7f || REG_NAME[c] === 0) return false;
    }
  }
  if (i === n) return true;
  if (v.charCodeAt(i) !== 0x3a) return false;
  for (i++; i < n; i++) if (!isDigit(v.charCodeAt(i))) return false;
  return true;
}
