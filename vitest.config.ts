import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['server/**/*.test.ts', 'shared/**/*.test.ts', 'client/**/*.test.ts', 'bench/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests start real servers and child processes; two cores are all we have.
    // `npm run test:unit` runs server/faults.integration.test.ts alone after the rest: it asserts
    // /healthz latency during a 1,000-client reconnect storm, which another test file's load on the
    // same two cores (disk and memory, beyond the CPU time the prober subtracts) can push past 100 ms.
    maxWorkers: 2,
  },
})
