import { defineConfig } from 'vitest/config';

/**
 * Files that need a process of their own: they count the process's memory or file descriptors (another
 * file's garbage or sockets would count too), or replace a module with vi.mock.
 */
const ISOLATED = [
  'test/dkim/memory.test.ts',
  'test/memory/**/*.test.ts',
  'test/faults/huge-replies.test.ts',
  'test/mime/streaming.test.ts',
  'test/model/**/*.test.ts',
  'test/cli/audit.test.ts',
];

/**
 * `npm test` runs the projects shared and isolated; `npm run test:interop` the project interop (real servers
 * on loopback), `npm run test:package` the project package (packs and installs the tarball).
 */
export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
    reporters: ['default'],
    // Most files spend their time waiting on sockets and timers, not on the CPU: on 2 cores vitest's default
    // (one worker per core but one) ran them one after another.
    maxWorkers: 4,
    projects: [
      {
        // Most files share worker threads and their module cache (isolate: false): importing the sources
        // once per worker instead of once per file is most of the CPU the suite used to spend. A file that
        // changes global state (process.env, a mock) must put it back, or go in ISOLATED.
        extends: true,
        test: { name: 'shared', include: ['test/**/*.test.ts'], exclude: [...ISOLATED, 'test/interop/**', 'test/package/**'], pool: 'threads', isolate: false },
      },
      // After shared (groupOrder 1), so the files that measure the process, and the model's short timeouts,
      // run without the rest of the suite competing for the 2 cores.
      { extends: true, test: { name: 'isolated', include: ISOLATED, pool: 'forks', sequence: { groupOrder: 1 } } },
      { extends: true, test: { name: 'interop', include: ['test/interop/**/*.test.ts'], pool: 'forks' } },
      { extends: true, test: { name: 'package', include: ['test/package/**/*.test.ts'], pool: 'forks' } },
    ],
  },
});
