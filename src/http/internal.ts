/**
 * Members of the http room's objects that the room's own modules use and applications do not. They
 * are keyed by symbols that no package entry exports (Fastify's `kFoo` idiom), so they are not
 * among a Context's members for a user, and a third-party middleware does what the built-ins do
 * through the public helpers instead (`readBody()` for the body).
 */

/** `ctx[kBody]`: the request's BodySource (the engine's buffer between parser and reader). */
export const kBody: unique symbol = Symbol('shallot.body');
/** `ctx[kComplete](error)`: tell the engine the response may be written; false if already told. */
export const kComplete: unique symbol = Symbol('shallot.complete');
/** `app[kWebSockets]`: the app's {@link WebSocketHub} (made on first use), which `ctx.upgrade()` hands sockets to. */
export const kWebSockets: unique symbol = Symbol('shallot.webSockets');
/** `ctx[kShims]`: which Node stand-ins were made (`ctx.req` takes over the body; see compat.ts). */
export const kShims: unique symbol = Symbol('shallot.shims');

/** `res[kStarted]`: a raw write committed the head of `ctx.res` (see compat.ts). */
export const kStarted: unique symbol = Symbol('shallot.started');
/** `res[kMarkFinished]()`: the engine wrote the whole response ('finish', then 'close'). */
export const kMarkFinished: unique symbol = Symbol('shallot.markFinished');
/** `res[kMarkAborted]()`: the response ends without being complete ('close' alone). */
export const kMarkAborted: unique symbol = Symbol('shallot.markAborted');
/** `res[kRawReply]()`: the reply of a response written through `ctx.res` (its head as set, its bytes). */
export const kRawReply: unique symbol = Symbol('shallot.rawReply');
/** `res[kRawSettle](body, error)`: the stack settled after a raw write; see `ServerResponseShim`. */
export const kRawSettle: unique symbol = Symbol('shallot.rawSettle');
/** `res[kRawDiscard]()`: the raw response will never be written (the client left): let go of it. */
export const kRawDiscard: unique symbol = Symbol('shallot.rawDiscard');
/** `response[kReleaseKept]()`: destroy the stream bodies that were replaced by another stream. */
export const kReleaseKept: unique symbol = Symbol('shallot.releaseKept');
/** `ctx[kDefaultError](err)`: the default `ctx.onerror`'s work (see context.ts). */
export const kDefaultError: unique symbol = Symbol('shallot.defaultError');
/** `ctx[kSettle](error)`: the stack settled (error: what it failed with, or null); the context completes the exchange. */
export const kSettle: unique symbol = Symbol('shallot.settle');
/** `ctx[kOnerror]`: an application's own `ctx.onerror` (set on `app.context` or on one ctx), if any. */
export const kOnerror: unique symbol = Symbol('shallot.onerror');
/** The event `ctx.res` emits once when a raw write commits the head. */
export const RESPONSE_STARTED: unique symbol = Symbol('shallot.responseStarted');

/** The symbol Node's `util.inspect` calls: each API object shows its summary, not its internals. */
export const INSPECT: unique symbol = Symbol.for('nodejs.util.inspect.custom') as never;

/** Which of `ctx.req` / `ctx.res` exist (bit flags). */
export const SHIM = { REQ: 1, RES: 2 } as const;
