import { command, type Step, todo } from "../src/engine/step.js";
import { lastLines, StepError } from "../src/errors.js";
import { shellQuote } from "../src/hosts/shell.js";
import { runAsTargetUser } from "./lib/as-user.js";

export const HELLO_TEXT = "Hello from Docker!";

export const verifyHello: Step = {
  id: "verify-hello",
  title: "Verify: docker run hello-world as the user",
  kind: "verify",
  skipReason: ({ options }) => (options.verify ? undefined : "--no-verify"),
  check: ({ options, targetUser }) =>
    todo(
      command(`docker run --rm ${options.helloImage}  # as ${targetUser}, expect "${HELLO_TEXT}"`),
    ),
  async apply(ctx) {
    const result = await runAsTargetUser(
      ctx,
      `docker run --rm ${shellQuote(ctx.options.helloImage)}`,
      600_000,
    );
    if (result.code !== 0 || !result.stdout.includes(HELLO_TEXT)) {
      throw new StepError(
        `docker run --rm ${ctx.options.helloImage} as ${ctx.targetUser} did not print "${HELLO_TEXT}" (exit ${result.code}):\n${lastLines(result.stderr || result.stdout, 5)}`,
      );
    }
  },
};
