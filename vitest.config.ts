import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Wire tests open real sockets; a generous timeout keeps a slow CI machine from flaking,
    // while no test relies on timing for correctness.
    testTimeout: 20_000,
    pool: 'forks',
  },
});
