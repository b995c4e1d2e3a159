import { hasNvidiaRuntime, lostKeys, parseDaemonJson } from "../src/docker/daemon-json.js";
import { command, done, type Step, todo } from "../src/engine/step.js";
import { StepError } from "../src/errors.js";
import { changeDaemonJson, DAEMON_JSON } from "./lib/dockerd.js";
import { nvidiaSkipReason } from "./lib/nvidia.js";

const CONFIGURE = "nvidia-ctk runtime configure --runtime=docker";

export const nvidiaRuntime: Step = {
  id: "nvidia-runtime",
  title: "Register the nvidia runtime with dockerd",
  kind: "change",
  skipReason: nvidiaSkipReason,
  check({ facts }) {
    const parsed = parseDaemonJson(facts.daemonJson.exists ? facts.daemonJson.text : undefined);
    if (!parsed.ok)
      throw new StepError(`${DAEMON_JSON}: ${parsed.error}; fix it by hand, nothing was changed`);
    const registered = hasNvidiaRuntime(parsed.value);
    if (registered && facts.docker.runtimes.includes("nvidia")) {
      return done(`${DAEMON_JSON} registers the nvidia runtime and dockerd lists it`);
    }
    if (registered) return todo(command("restart dockerd so it loads the nvidia runtime"));
    return todo(
      command(`cp ${DAEMON_JSON} /var/backups/vla-provision/  # backup`),
      command(CONFIGURE),
      command("restart dockerd (restore the backup if it does not come back)"),
    );
  },
  async apply(ctx) {
    const before = parseDaemonJson(
      ctx.facts.daemonJson.exists ? ctx.facts.daemonJson.text : undefined,
    );
    if (!before.ok) throw new StepError(before.error);
    await changeDaemonJson(
      ctx,
      async () => {
        if (!hasNvidiaRuntime(before.value)) {
          await ctx.host.run(CONFIGURE, { privileged: true, onOutput: ctx.log, label: CONFIGURE });
        }
      },
      // nvidia-ctk edits the file in place: make sure it still parses and kept every key the user had.
      async () => {
        const text = await ctx.host.readFile(DAEMON_JSON, { privileged: true });
        const after = parseDaemonJson(text);
        if (!after.ok)
          throw new StepError(`${CONFIGURE} left an unreadable ${DAEMON_JSON}: ${after.error}`);
        const lost = lostKeys(before.value, after.value);
        if (lost.length)
          throw new StepError(`${CONFIGURE} dropped keys from ${DAEMON_JSON}: ${lost.join(", ")}`);
        if (!hasNvidiaRuntime(after.value))
          throw new StepError(`${CONFIGURE} did not register the nvidia runtime`);
      },
    );
  },
};
