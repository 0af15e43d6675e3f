import { defineConfig } from 'vitest/config';

/**
 * `npm run test:browser`: the headless-Chromium tests under test/browser (named `*.browser.ts`
 * so that `npm test`, which includes `test/**\/*.test.ts`, never picks them up). They skip
 * themselves, with a message, where Chromium is not installed.
 */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.browser.ts'],
    testTimeout: 90_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
