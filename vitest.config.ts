import { defineConfig } from "vitest/config";

// Tests import workspace packages from source (the "wanpilot-source" export condition);
// processes the tests spawn run the compiled dist (built by `tsc -b` before `vitest run`).
export default defineConfig({
  resolve: { conditions: ["wanpilot-source"] },
  ssr: { resolve: { conditions: ["wanpilot-source"] } },
  test: {
    reporters: ["default", "./scripts/summary-reporter.ts"],
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["packages/*/src/**/*.test.ts", "bench/src/**/*.test.ts"],
          // Pure tests with no module mocks or global stubs: one module graph per worker instead of one
          // per file. Importing common/runtime (zod, pino, mqtt) afresh for each of ~70 files was most
          // of the project's wall time (45 s of import vs 4 s of tests on a loaded 2-core machine).
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/**/*.test.ts", "packages/*/test/**/*.test.ts"],
          exclude: ["test/faults/**"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        // `npm test` runs the short profile; `npm run test:faults` the full one (WANPILOT_FAULTS=full).
        extends: true,
        test: {
          name: "faults",
          include: ["test/faults/**/*.test.ts"],
          testTimeout: 600_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
