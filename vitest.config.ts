import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Wire tests open real sockets; a generous timeout keeps a slow CI machine from flaking,
    // while no test relies on timing for correctness.
    testTimeout: 20_000,
    pool: 'forks',
    // Every connection any test opens is read back by an independent HTTP parser (llhttp): see
    // test/helpers/oracle-setup.ts.
    setupFiles: ['test/helpers/oracle-setup.ts'],
    projects: [
      { extends: true, test: { name: 'default', include: ['test/**/*.test.ts'] } },
      {
        // The core composes differently in production (no missing-await check), and only there
        // does a synchronous stack complete without a microtask (App.run) — the path every
        // deployed server takes. The engine, router and middleware suites run on it too.
        extends: true,
        test: {
          name: 'production',
          include: [
            'test/http/**/*.test.ts',
            'test/engine/**/*.test.ts',
            'test/router/**/*.test.ts',
            'test/middleware/**/*.test.ts',
          ],
          // compose.test.ts: its subject is the development-only check; the engine's unit suites
          // (no app, no middleware) and the type-checking scale test are the same in both modes.
          exclude: [
            'test/http/compose.test.ts',
            'test/engine/framing.test.ts',
            'test/engine/response-oracle.test.ts',
            'test/router/named-routes-scale.test.ts',
            'test/**/*.browser.ts',
          ],
          env: { NODE_ENV: 'production' },
        },
      },
      {
        // The Context suites again, over `app.callback()` under node:http instead of the own engine
        // (test/helpers/transport.ts): the same Context on Node's request and response.
        extends: true,
        test: {
          name: 'callback',
          include: [
            'test/http/context-request.test.ts',
            'test/http/context-response.test.ts',
            'test/http/context-cookies.test.ts',
            'test/http/errors.test.ts',
            'test/http/koa-compat.test.ts',
          ],
          env: { SHALLOT_TEST_TRANSPORT: 'callback' },
        },
      },
    ],
  },
});
