import { defineConfig } from 'vitest/config';

// Real Redis and child processes: generous timeouts; files one at a time (the chaos test wants the cores).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: ['default'],
  },
});
