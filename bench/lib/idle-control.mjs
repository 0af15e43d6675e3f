// The control channel of the idle-connection servers used by bench/memory.ts. The parent (over
// IPC) asks for a measurement; the server runs full GCs (it is started with --expose-gc) and
// answers with process.memoryUsage(). IPC, not an HTTP route, so measuring adds no connection and
// no request handling of its own.
export function serveControl() {
  if (typeof globalThis.gc !== 'function' || typeof process.send !== 'function') {
    throw new Error('start with --expose-gc and an IPC channel (bench/memory.ts does both)');
  }
  process.on('message', async (msg) => {
    if (msg?.cmd !== 'measure') return;
    // Several passes with a turn of the event loop between them: finalizers and weak callbacks
    // queued by one collection are only released by the next.
    for (let i = 0; i < 4; i++) {
      globalThis.gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
    const m = process.memoryUsage();
    process.send({
      cmd: 'measured',
      rss: m.rss,
      heapUsed: m.heapUsed,
      heapTotal: m.heapTotal,
      external: m.external,
      arrayBuffers: m.arrayBuffers,
    });
  });
  // Exit with the parent, whatever happens to it.
  process.on('disconnect', () => process.exit(0));
}

export function ready() {
  process.send({ cmd: 'ready' });
}
