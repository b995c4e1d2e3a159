import { command, done, type Step, todo } from "../src/engine/step.js";
import { aptInstall, aptRunTimeoutMs, aptUpdate, installed } from "./lib/apt.js";

const PREREQUISITES = ["ca-certificates", "curl"];

export const dockerPrerequisites: Step = {
  id: "docker-prerequisites",
  title: "Install ca-certificates and curl",
  kind: "change",
  packages: PREREQUISITES,
  check({ facts, options }) {
    const missing = PREREQUISITES.filter((name) => !installed(facts, name));
    if (missing.length === 0) return done("ca-certificates and curl are installed");
    return todo(command(aptUpdate(options)), command(aptInstall(missing, options)));
  },
  async apply(ctx) {
    const { options } = ctx;
    const missing = PREREQUISITES.filter((name) => !installed(ctx.facts, name));
    await ctx.host.run(`${aptUpdate(options)} && ${aptInstall(missing, options)}`, {
      privileged: true,
      onOutput: ctx.log,
      timeoutMs: aptRunTimeoutMs(options, 150_000, 2),
    });
  },
};
