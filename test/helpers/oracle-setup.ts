/**
 * Vitest setup (every test file, both projects): every connection the engine accepts — a real
 * socket or `app.inject()`'s in-memory one — is read both ways by a {@link ResponseOracle}, and a
 * test fails when anything its server wrote breaks the response-side rules, whatever the test
 * itself asserts. The tap is outside the code under test: it wraps the socket the engine is given
 * (its `write`/`end`, see socket-tap.ts, and a `data` listener put first), so it sees exactly the
 * bytes on the wire.
 */
import type { Socket } from 'node:net';
import { afterAll, afterEach, expect } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { ResponseOracle } from './response-oracle.js';
import { tapWrites } from './socket-tap.js';

const found: string[] = [];
/** Oracles of connections still open, so a violation found after the test ended is still reported. */
const open = new Set<ResponseOracle>();

function watch(socket: Socket): void {
  const oracle = new ResponseOracle(expect.getState().currentTestName ?? '(outside a test)');
  open.add(oracle);
  const flush = (): void => {
    if (oracle.violations.length > 0) found.push(...oracle.violations.splice(0));
  };
  socket.prependListener('data', (chunk: Buffer) => oracle.input(chunk));
  tapWrites(socket, (out) => {
    oracle.output(out);
    flush();
  });
  socket.once('close', () => {
    oracle.end();
    flush();
    open.delete(oracle);
  });
}

const accept = Engine.prototype.accept;
Engine.prototype.accept = function (this: Engine, socket: Socket) {
  watch(socket);
  return accept.call(this, socket);
};

function report(): void {
  for (const o of open) if (o.violations.length > 0) found.push(...o.violations.splice(0));
  if (found.length === 0) return;
  const all = found.splice(0);
  throw new Error(`The response oracle (llhttp) rejected what the server wrote:\n- ${all.join('\n- ')}`);
}

afterEach(report);
afterAll(report);
