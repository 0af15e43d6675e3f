/**
 * Parsers of idle connections, kept for reuse. A keep-alive connection spends most of its life
 * idle, and its parser (about fifty fields, a few arrays, the text of its last request head) was
 * the largest part of what an idle connection held on the heap. A connection gives its parser
 * back when it is idle with every byte consumed, and takes one again when bytes arrive.
 *
 * Bounded: a burst of connections that all go idle at once leaves at most `max` parsers here;
 * the rest are garbage. A new parser costs ~55 ns, so the pool only spares the allocation under
 * load; it must stay small, or the parsers of idle connections would just move in here.
 */
import { RequestParser, type ParserOptions } from '../parser/parser.js';

/** A stack of reset parsers with the same options. */
export class ParserPool {
  readonly #free: RequestParser[] = [];
  constructor(
    readonly options: ParserOptions,
    readonly max: number,
  ) {}

  /** A parser whose next pushed byte has stream offset `offset`. */
  acquire(offset: number): RequestParser {
    const p = this.#free.pop() ?? new RequestParser(this.options);
    if (offset !== 0) p.reset(offset);
    return p;
  }

  /** Takes back a parser its connection no longer uses; it is reset now, so it holds no request text. */
  release(p: RequestParser): void {
    if (this.#free.length >= this.max) return;
    p.reset();
    this.#free.push(p);
  }

  /** Parsers waiting for reuse. */
  get size(): number {
    return this.#free.length;
  }
}
