import { command, done, type Step, todo } from "../src/engine/step.js";
import { aptInstall, aptUpdate, installed } from "./lib/apt.js";

const PREREQUISITES = ["ca-certificates", "curl"];

export const dockerPrerequisites: Step = {
  id: "docker-prerequisites",
  title: "Install ca-certificates and curl",
  kind: "change",
  packages: PREREQUISITES,
  check({ facts }) {
    const missing = PREREQUISITES.filter((name) => !installed(facts, name));
    if (missing.length === 0) return done("ca-certificates and curl are installed");
    return todo(command(aptUpdate()), command(aptInstall(missing)));
  },
  async apply(ctx) {
    const missing = PREREQUISITES.filter((name) => !installed(ctx.facts, name));
    await ctx.host.run(`${aptUpdate()} && ${aptInstall(missing)}`, {
      privileged: true,
      onOutput: ctx.log,
      timeoutMs: 900_000,
    });
  },
};
