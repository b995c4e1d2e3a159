import { hasNvidiaRuntime, lostKeys, parseDaemonJson } from "../src/docker/daemon-json.js";
import { command, done, type Step, type StepContext, todo } from "../src/engine/step.js";
import { StepError } from "../src/errors.js";
import { changeDaemonJson, DAEMON_JSON, GUARD_PLAN, restartDockerd } from "./lib/dockerd.js";
import { nvidiaSkipReason } from "./lib/nvidia.js";

const CONFIGURE = "nvidia-ctk runtime configure --runtime=docker";

/**
 * nvidia-ctk edits the file it is given in place; run it on a copy, so the result can be checked
 * (still parses, every key kept, runtime registered) before the guarded change writes it.
 */
const CONFIGURE_A_COPY = [
  "set -e",
  "copy=$(mktemp -d); trap 'rm -rf \"$copy\"' EXIT",
  `if [ -e ${DAEMON_JSON} ]; then cat ${DAEMON_JSON} > "$copy/daemon.json"; fi`,
  `${CONFIGURE} --config="$copy/daemon.json" >&2`,
  'cat "$copy/daemon.json"',
].join("\n");

function currentConfig(ctx: StepContext) {
  const parsed = parseDaemonJson(
    ctx.facts.daemonJson.exists ? ctx.facts.daemonJson.text : undefined,
  );
  if (!parsed.ok)
    throw new StepError(`${DAEMON_JSON}: ${parsed.error}; fix it by hand, nothing was changed`);
  return parsed.value;
}

async function configuredByNvidiaCtk(ctx: StepContext): Promise<string> {
  const before = currentConfig(ctx);
  const result = await ctx.host.run(CONFIGURE_A_COPY, {
    privileged: true,
    label: CONFIGURE,
    timeoutMs: 60_000,
  });
  const after = parseDaemonJson(result.stdout);
  if (!after.ok)
    throw new StepError(`${CONFIGURE} wrote an unreadable daemon.json: ${after.error}`);
  const lost = lostKeys(before, after.value);
  if (lost.length)
    throw new StepError(`${CONFIGURE} dropped keys from ${DAEMON_JSON}: ${lost.join(", ")}`);
  if (!hasNvidiaRuntime(after.value))
    throw new StepError(`${CONFIGURE} did not register the nvidia runtime`);
  return result.stdout;
}

export const nvidiaRuntime: Step = {
  id: "nvidia-runtime",
  title: "Register the nvidia runtime with dockerd",
  kind: "change",
  restartsDockerd: true,
  skipReason: nvidiaSkipReason,
  check(ctx) {
    const registered = hasNvidiaRuntime(currentConfig(ctx));
    if (registered && ctx.facts.docker.runtimes.includes("nvidia")) {
      return done(`${DAEMON_JSON} registers the nvidia runtime and dockerd lists it`);
    }
    if (registered) return todo(command("restart dockerd so it loads the nvidia runtime"));
    return todo(
      command(`${CONFIGURE} --config=<a copy of ${DAEMON_JSON}>  # then check every key is kept`),
      command(GUARD_PLAN),
    );
  },
  async apply(ctx) {
    if (hasNvidiaRuntime(currentConfig(ctx))) {
      await restartDockerd(ctx);
      return;
    }
    await changeDaemonJson(ctx, await configuredByNvidiaCtk(ctx));
  },
};
