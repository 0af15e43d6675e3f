import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { App } from '../../src/index.js';

describe('a stream body that fails before its response is written', () => {
  it('should answer 500 and keep the process alive when the stream errors while the handler still runs', async () => {
    const app = new App();
    const errors: unknown[] = [];
    app.on('error', (err) => errors.push(err));
    app.get('/', async (ctx) => {
      const r = new Readable({ read() {} });
      ctx.body = r;
      r.destroy(new Error('disk on fire'));
      // destroy() emits 'error' on a later tick; setImmediate runs after it, so the stream has
      // failed (with no listener of ours) while this handler is still running.
      await new Promise((resolve) => setImmediate(resolve));
      expect(r.errored).not.toBeNull();
    });
    const { responses } = await app.inject({ url: '/' });
    expect(responses.map((r) => r.status)).toEqual([500]);
    expect(responses[0]!.text()).not.toContain('disk on fire');
    expect(errors).toHaveLength(1);
  });
});
