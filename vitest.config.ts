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
        test: { name: "unit", include: ["packages/*/src/**/*.test.ts"] },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/**/*.test.ts", "packages/*/test/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
