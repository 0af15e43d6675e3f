/**
 * The reviewed list of places where the parser deliberately parts from llhttp on the strict
 * corpus (`test/fixtures/llhttp-corpus/llhttp-requests.json`). `corpus.test.ts` asserts that each listed case
 * is rejected with exactly the stated code, so an entry cannot outlive the behaviour it excuses,
 * and that every case not listed agrees with llhttp. Adding an entry needs a review and an RFC
 * section; "llhttp is lenient here" is the only acceptable reason.
 */
import type { ParseErrorCode } from '../../src/parser/errors.js';

/** A strict corpus case llhttp accepts and we reject. */
export interface CorpusException {
  /** The code we answer with. */
  code: ParseErrorCode;
  /** The RFC section that justifies the rejection. */
  rfc: string;
  /** One line for the reviewer. */
  why: string;
}

/** Strict corpus cases llhttp accepts and we reject on purpose, keyed by case id. */
export const EXCEPTIONS: Readonly<Record<string, CorpusException>> = {
  'sample/no-http-version': {
    code: 'HPE_INVALID_CONSTANT',
    rfc: 'RFC 9112 §2.3',
    why: 'HTTP/0.9 (`GET /` with no version): we serve HTTP/1.0 and HTTP/1.1 only.',
  },
  'method/source-request-with-ice': {
    code: 'HPE_INVALID_CONSTANT',
    rfc: 'RFC 9112 §2.3',
    why: 'ICE/1.0 is not HTTP: HTTP-name is the literal "HTTP".',
  },
  'method/options-request-with-rtsp': {
    code: 'HPE_INVALID_CONSTANT',
    rfc: 'RFC 9112 §2.3',
    why: 'RTSP/1.0 is not HTTP: HTTP-name is the literal "HTTP".',
  },
  'method/announce-request-with-rtsp': {
    code: 'HPE_UNKNOWN_METHOD',
    rfc: 'RFC 9112 §2.3',
    why: 'An RTSP request; ANNOUNCE is an RTSP method, not an HTTP one, so it is refused before the version.',
  },
  'method/pri-request-http2': {
    code: 'HPE_HTTP2_PREFACE',
    rfc: 'RFC 9113 §3.4',
    why: 'The HTTP/2 connection preface: we answer it with a clear error instead of pausing for an h2 upgrade.',
  },
  'uri/host-port-and-basic-auth': {
    code: 'HPE_INVALID_URL',
    rfc: 'RFC 9110 §4.2.4',
    why: 'userinfo in an http URI ("a%12:b!&*$@host"): a recipient SHOULD treat it as an error.',
  },
  'method/m-search-request': {
    code: 'HPE_INVALID_URL',
    rfc: 'RFC 9112 §3.2.4',
    why: 'The asterisk-form target is only for OPTIONS; M-SEARCH * is SSDP over UDP, not HTTP.',
  },
};

/** A rejected corpus case where we name the fault with a different code than llhttp. */
export interface CodeDifference {
  /** llhttp's code, as recorded in the corpus. */
  llhttp: string;
  /** Ours. */
  ours: ParseErrorCode;
  why: string;
}

/**
 * Rejections where both parsers refuse the input but classify it differently. Informational (both
 * reject, so the cases agree), but listed so the summary's "codes matching" count is explained and
 * a change in our classification shows up as a failing test rather than a silently lower count.
 */
export const CODE_DIFFERENCES: Readonly<Record<string, CodeDifference>> = {
  'invalid/invalid-method': {
    llhttp: 'HPE_INVALID_METHOD',
    ours: 'HPE_UNKNOWN_METHOD',
    why: '`MKCOLA` is a well-formed token that is not implemented: RFC 9110 §9.1 answers 501, not 400.',
  },
  'invalid/http-protocol-and-announce-method': {
    llhttp: 'HPE_INVALID_CONSTANT',
    ours: 'HPE_UNKNOWN_METHOD',
    why: 'We refuse the unknown method `ANNOUNCE` (501) as soon as it ends; llhttp only notices at the version.',
  },
  'invalid/invalid-http-version': {
    llhttp: 'HPE_INVALID_VERSION',
    ours: 'HPE_VERSION_NOT_SUPPORTED',
    why: '`HTTP/5.6` is well-formed but unsupported: RFC 9110 §15.6.6 answers 505.',
  },
  'invalid/empty-headers-separated-by-cr': {
    llhttp: 'HPE_STRICT',
    ours: 'HPE_LF_EXPECTED',
    why: 'A bare CR ending a field line is HPE_LF_EXPECTED whether the value is empty or not (llhttp agrees for non-empty values).',
  },
  'invalid/empty-headers-separated-by-lf': {
    llhttp: 'HPE_INVALID_HEADER_TOKEN',
    ours: 'HPE_CR_EXPECTED',
    why: 'A bare LF ending a field line is HPE_CR_EXPECTED whether the value is empty or not (llhttp agrees for non-empty values).',
  },
};
