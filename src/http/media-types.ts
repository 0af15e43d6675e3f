/** The Content-Type values shallot writes itself, spelled once. */
export const TEXT_PLAIN = 'text/plain; charset=utf-8';
export const TEXT_HTML = 'text/html; charset=utf-8';
export const JSON_TYPE = 'application/json; charset=utf-8';
export const PROBLEM_JSON = 'application/problem+json; charset=utf-8';
export const OCTET_STREAM = 'application/octet-stream';
