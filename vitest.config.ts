import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['server/**/*.test.ts', 'shared/**/*.test.ts', 'client/**/*.test.ts', 'bench/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests start real servers and child processes; two cores are all we have.
    // `npm run test:unit` runs the two files that assert /healthz latency (faults: a 1,000-client
    // reconnect storm, under 250 ms; list-size: requests on a 60,000-item list, under ~50 ms) after
    // the rest, one at a time: another test file's load on the same two cores (disk, memory and GC
    // threads, beyond the CPU time the prober subtracts) pushed them past their bounds in CI.
    maxWorkers: 2,
  },
})
