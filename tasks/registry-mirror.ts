import { lineDiff } from "../src/diff.js";
import {
  mergeRegistryMirrors,
  parseDaemonJson,
  renderDaemonJson,
} from "../src/docker/daemon-json.js";
import { command, done, type Step, type StepContext, todo } from "../src/engine/step.js";
import { StepError } from "../src/errors.js";
import { changeDaemonJson, DAEMON_JSON, GUARD_PLAN } from "./lib/dockerd.js";

function planned(ctx: StepContext) {
  const text = ctx.facts.daemonJson.text;
  const parsed = parseDaemonJson(ctx.facts.daemonJson.exists ? text : undefined);
  if (!parsed.ok)
    throw new StepError(`${DAEMON_JSON}: ${parsed.error}; fix it by hand, nothing was changed`);
  const merged = mergeRegistryMirrors(parsed.value, ctx.options.registryMirrors);
  return { before: text ?? "", merged, after: renderDaemonJson(merged.config, text) };
}

export const registryMirror: Step = {
  id: "registry-mirror",
  title: "Configure registry mirrors",
  kind: "change",
  restartsDockerd: true,
  skipReason: ({ options }) =>
    options.registryMirrors.length ? undefined : "no --registry-mirror given",
  check(ctx) {
    const { before, merged, after } = planned(ctx);
    if (!merged.changed)
      return done(`${DAEMON_JSON} already lists ${ctx.options.registryMirrors.join(", ")}`);
    return todo(
      { kind: "file", path: DAEMON_JSON, diff: lineDiff(before, after) },
      command(GUARD_PLAN),
    );
  },
  async apply(ctx) {
    const { after } = planned(ctx);
    await changeDaemonJson(ctx, after);
  },
};
