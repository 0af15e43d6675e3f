import { describe, expect, it } from 'vitest';
import { App, Router } from '../../src/index.js';

describe('router.routes().prepare', () => {
  it('should build and freeze the route table when the app starts listening, before any request', async () => {
    const router = new Router().get('/a', () => 'a');
    const app = new App();
    app.use(router.routes());
    const server = app.listen(0);
    try {
      expect(() => router.get('/b', () => 'b')).toThrow(expect.objectContaining({ code: 'ERR_ROUTER_FROZEN' }));
    } finally {
      await server.close();
    }
  });

  it('should leave a router that no app has started open for more routes', () => {
    const router = new Router().get('/a', () => 'a');
    const app = new App();
    app.use(router.routes());
    expect(() => router.get('/b', () => 'b')).not.toThrow();
  });
});
