/** Connection-engine defaults. All durations in milliseconds; 0 disables a timeout. */
export const SERVER_DEFAULTS = {
  /** Time to receive a complete request head once its first byte arrived. Over it: 408 and close. */
  headersTimeout: 10_000,
  /** Time to receive a whole request (head and body). Over it: 408 and close. */
  requestTimeout: 30_000,
  /** Idle time allowed between requests on a keep-alive connection; advertised as `Keep-Alive: timeout=5`. */
  keepAliveTimeout: 5_000,
  /**
   * Time a client may leave bytes we wrote unread: a connection whose socket holds unsent bytes
   * and sends none of them for this long is closed (nginx's `send_timeout`, same default).
   */
  sendTimeout: 60_000,
  /** Requests served on one connection before it is closed (0: unlimited). */
  maxRequestsPerSocket: 0,
  /** Requests parsed ahead of the one being answered; reading pauses above it (pipelining backpressure). */
  maxPipelinedRequests: 32,
  /** Bytes of request body buffered for a handler that has not read it yet; reading pauses above it. */
  bodyHighWaterMark: 64 * 1024,
  /** How long `server.close()` lets in-flight requests finish before destroying their sockets. */
  shutdownTimeout: 10_000,
} as const;
