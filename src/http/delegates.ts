/**
 * Koa's documented delegates: members of `ctx.request` and `ctx.response` repeated on the context,
 * as explicit getters and methods (no `delegates` prototype chains). `Context` extends this class;
 * the delegates with logic of their own, or typed by the context's own parameters, are on it.
 */
import type accepts from 'accepts';
import type { Request } from './request.js';
import type { Response, ResponseBody } from './response.js';
import type { IncomingHeaders } from './incoming-headers.js';

/** See the module comment. */
export abstract class Delegates {
  abstract readonly request: Request;
  abstract readonly response: Response;

  // ── request delegates ────────────────────────────────────────────────────────────────────
  get method(): string {
    return this.request.method;
  }
  set method(v: string) {
    this.request.method = v;
  }
  get url(): string {
    return this.request.url;
  }
  set url(v: string) {
    this.request.url = v;
  }
  get originalUrl(): string {
    return this.request.originalUrl;
  }
  get path(): string {
    return this.request.path;
  }
  set path(v: string) {
    this.request.path = v;
  }
  get search(): string {
    return this.request.search;
  }
  set search(v: string) {
    this.request.search = v;
  }
  get headers(): IncomingHeaders {
    return this.request.headers;
  }
  get header(): IncomingHeaders {
    return this.request.headers;
  }
  get host(): string {
    return this.request.host;
  }
  get hostname(): string {
    return this.request.hostname;
  }
  get protocol(): string {
    return this.request.protocol;
  }
  get secure(): boolean {
    return this.request.secure;
  }
  get origin(): string | null {
    return this.request.origin;
  }
  get href(): string {
    return this.request.href;
  }
  get URL(): URL | Record<string, never> {
    return this.request.URL;
  }
  get ip(): string {
    return this.request.ip;
  }
  get ips(): string[] {
    return this.request.ips;
  }
  get subdomains(): string[] {
    return this.request.subdomains;
  }
  /** The `accepts` negotiator behind `ctx.accepts*()`. */
  get accept(): accepts.Accepts {
    return this.request.accept;
  }
  set accept(a: accepts.Accepts) {
    this.request.accept = a;
  }
  get idempotent(): boolean {
    return this.request.idempotent;
  }
  /** A request header, or `''`. */
  get(name: string): string {
    return this.request.get(name);
  }
  /** Request Content-Type check; see {@link Request.is}. */
  is(type?: string | string[], ...types: string[]): string | false | null {
    return this.request.is(type, ...types);
  }
  accepts(...types: (string | string[])[]): string | string[] | false {
    return this.request.accepts(...types);
  }
  acceptsEncodings(...e: (string | string[])[]): string | string[] | false {
    return this.request.acceptsEncodings(...e);
  }
  acceptsCharsets(...c: (string | string[])[]): string | string[] | false {
    return this.request.acceptsCharsets(...c);
  }
  acceptsLanguages(...l: (string | string[])[]): string | string[] | false {
    return this.request.acceptsLanguages(...l);
  }

  // ── response delegates ───────────────────────────────────────────────────────────────────
  get status(): number {
    return this.response.status;
  }
  set status(v: number) {
    this.response.status = v;
  }
  get message(): string {
    return this.response.message;
  }
  set message(v: string) {
    this.response.message = v;
  }
  get body(): ResponseBody {
    return this.response.body;
  }
  set body(v: ResponseBody) {
    this.response.body = v;
  }
  get type(): string {
    return this.response.type;
  }
  set type(v: string) {
    this.response.type = v;
  }
  get length(): number | undefined {
    return this.response.length;
  }
  set length(v: number) {
    this.response.length = v;
  }
  get lastModified(): Date | undefined {
    return this.response.lastModified;
  }
  set lastModified(v: Date | string) {
    this.response.lastModified = v;
  }
  get etag(): string {
    return this.response.etag;
  }
  set etag(v: string) {
    this.response.etag = v;
  }
  /** Sets response header(s); see {@link Response.set}. */
  set(
    name: string | Record<string, string | number | readonly string[]>,
    value?: string | number | readonly string[],
  ): void {
    this.response.set(name, value);
  }
  append(name: string, value: string | readonly string[]): void {
    this.response.append(name, value);
  }
  remove(name: string): void {
    this.response.remove(name);
  }
  has(name: string): boolean {
    return this.response.has(name);
  }
  vary(field: string | readonly string[]): void {
    this.response.vary(field);
  }
  attachment(filename?: string, options?: Parameters<Response['attachment']>[1]): void {
    this.response.attachment(filename, options);
  }
}
