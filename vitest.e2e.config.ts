import { defineConfig } from 'vitest/config';

/**
 * `npm run test:e2e`: end-to-end tests against real third-party processes (nginx, wrk), kept out
 * of `npm test` (they need those binaries and put the machine under load).
 */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
  },
});
