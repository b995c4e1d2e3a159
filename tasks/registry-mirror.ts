import { lineDiff } from "../src/diff.js";
import {
  mergeRegistryMirrors,
  parseDaemonJson,
  renderDaemonJson,
} from "../src/docker/daemon-json.js";
import { done, type Step, type StepContext, todo } from "../src/engine/step.js";
import { StepError } from "../src/errors.js";
import { changeDaemonJson, DAEMON_JSON } from "./lib/dockerd.js";

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
  skipReason: ({ options }) =>
    options.registryMirrors.length ? undefined : "no --registry-mirror given",
  check(ctx) {
    const { before, merged, after } = planned(ctx);
    if (!merged.changed)
      return done(`${DAEMON_JSON} already lists ${ctx.options.registryMirrors.join(", ")}`);
    return todo(
      { kind: "file", path: DAEMON_JSON, diff: lineDiff(before, after) },
      { kind: "command", text: "restart dockerd (restore the backup if it does not come back)" },
    );
  },
  async apply(ctx) {
    const { after } = planned(ctx);
    await changeDaemonJson(ctx, () => ctx.host.writeFile(DAEMON_JSON, after, { mode: "0644" }));
  },
};
