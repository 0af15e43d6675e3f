/**
 * The packages a request may need but starting the app does not: each is loaded the first time it
 * is used (a synchronous `require` of the CommonJS package), so that importing shallot costs what
 * serving a plain request costs. Content negotiation (accepts), media types (type-is, mime-types
 * and their mime-db), conditional requests (fresh), attachments (content-disposition) and multipart
 * (busboy) made up most of the CPU time of `import('shallot')`, and pino (~25 ms) most of what was
 * left: a request logs nothing unless something goes wrong or `logger()` is used. The Node
 * built-ins node:http does not load and a plain request does not use come here too (zlib for a
 * compressed body, util's `format` for a thrown non-error, async_hooks for `asyncLocalStorage`):
 * ~0.3–0.6 ms of start-up each. See bench/README.md, "Cold start".
 *
 * Rule: a module of the http room imports these packages' types only, and calls the loader here
 * where it needs the package; the loader caches it, so later calls cost one field read. The
 * `logger()` middleware loads pino through here too, so that importing `shallot/middleware` does not.
 */
import type * as AsyncHooks from 'node:async_hooks';
import { createRequire } from 'node:module';
import type * as Util from 'node:util';
import type * as Zlib from 'node:zlib';
import type Accepts from 'accepts';
import type Busboy from 'busboy';
import type ContentDisposition from 'content-disposition';
import type Fresh from 'fresh';
import type MimeTypes from 'mime-types';
import type * as Pino from 'pino';
import type TypeIs from 'type-is';

const load = createRequire(import.meta.url);

let accepts: typeof Accepts | null = null;
let busboy: typeof Busboy | null = null;
let contentDisposition: typeof ContentDisposition | null = null;
let fresh: typeof Fresh | null = null;
let mimeTypes: typeof MimeTypes | null = null;
let pino: typeof Pino | null = null;
let typeis: typeof TypeIs | null = null;
let asyncHooks: typeof AsyncHooks | null = null;
let util: typeof Util | null = null;
let zlib: typeof Zlib | null = null;

/** The `accepts` package. @example acceptsOf()({ headers }).types('json') */
export const acceptsOf = (): typeof Accepts => (accepts ??= load('accepts') as typeof Accepts);
/** The `busboy` package. @example busboyOf()({ headers }) */
export const busboyOf = (): typeof Busboy => (busboy ??= load('busboy') as typeof Busboy);
/** The `content-disposition` package. @example contentDispositionOf()('a.txt') */
export const contentDispositionOf = (): typeof ContentDisposition =>
  (contentDisposition ??= load('content-disposition') as typeof ContentDisposition);
/** The `fresh` package. @example freshOf()(reqHeaders, resHeaders) */
export const freshOf = (): typeof Fresh => (fresh ??= load('fresh') as typeof Fresh);
/** The `mime-types` package. @example mimeTypesOf().contentType('json') */
export const mimeTypesOf = (): typeof MimeTypes => (mimeTypes ??= load('mime-types') as typeof MimeTypes);
/** The `pino` package (its CommonJS exports carry `pino` and `stdSerializers`). @example pinoOf().pino({ level: 'info' }) */
export const pinoOf = (): typeof Pino => (pino ??= load('pino') as typeof Pino);
/** The `type-is` package. @example typeisOf().is('text/html', ['html']) */
export const typeisOf = (): typeof TypeIs => (typeis ??= load('type-is') as typeof TypeIs);
/** `node:async_hooks`. @example new (asyncHooksOf().AsyncLocalStorage)() */
export const asyncHooksOf = (): typeof AsyncHooks => (asyncHooks ??= load('node:async_hooks') as typeof AsyncHooks);
/** `node:util`. @example utilOf().format('%j', value) */
export const utilOf = (): typeof Util => (util ??= load('node:util') as typeof Util);
/** `node:zlib`. @example zlibOf().createGunzip() */
export const zlibOf = (): typeof Zlib => (zlib ??= load('node:zlib') as typeof Zlib);
