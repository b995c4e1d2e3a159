import { type Step, todo } from "../src/engine/step.js";

export const HELLO_TEXT = "Hello from Docker!";

export const verifyHello: Step = {
  id: "verify-hello",
  title: "Verify: docker run hello-world as the user",
  kind: "verify",
  skipReason: ({ options }) => (options.verify ? undefined : "--no-verify"),
  plan: ({ options, decisions }) =>
    todo({
      kind: "verify-container",
      user: decisions.targetUser,
      image: options.helloImage,
      gpus: false,
      command: [],
      expect: { text: HELLO_TEXT },
    }),
};
