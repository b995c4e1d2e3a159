import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          // Some unit tests run the real probe on this machine: on 2 busy cores that takes seconds.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          testTimeout: 600_000,
          hookTimeout: 900_000,
          fileParallelism: false,
        },
      },
      {
        // Not part of the suite: re-captures test/fixtures/steps from test-bed hosts (npm run fixtures:capture).
        test: {
          name: "capture",
          include: ["test/fixtures/steps/capture.ts"],
          testTimeout: 600_000,
        },
      },
    ],
  },
});
