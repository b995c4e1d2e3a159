import { DAEMON_JSON } from "../src/actions/dockerd.js";
import { installedVersion } from "../src/apt/apt.js";
import { renderDaemonJson } from "../src/docker/daemon-json.js";
import {
  configuredDataRoot,
  mergeDaemonSettings,
  type WantedDaemonSettings,
} from "../src/docker/daemon-settings.js";
import { dataRootContents } from "../src/docker/data-root.js";
import { done, type PlanContext, type Step, todo } from "../src/engine/step.js";
import { StepError } from "../src/errors.js";
import { daemonConfig } from "./lib/daemon-config.js";
import { initSystem } from "./lib/init.js";

/** What the options ask of daemon.json. */
export function wantedDaemonSettings({
  options,
}: Pick<PlanContext, "options">): WantedDaemonSettings {
  return {
    registryMirrors: options.registryMirrors,
    logRotation: options.logRotation,
    dataRoot: options.dataRoot,
  };
}

/** Registry mirrors, log rotation, open-file limits and the data root: one change, one restart. */
export const daemonSettings: Step = {
  id: "daemon-settings",
  title: "Configure dockerd (daemon.json)",
  kind: "change",
  restartsDockerd: true,
  skipReason: ({ options }) =>
    options.registryMirrors.length || options.logRotation || options.dataRoot
      ? undefined
      : "no dockerd settings asked for (--registry-mirror, --data-root; --no-log-rotation given)",
  plan(ctx) {
    const { facts } = ctx;
    const config = daemonConfig(facts);
    const engine = facts.docker.serverVersion ?? installedVersion(facts, "docker-ce");
    const merged = mergeDaemonSettings(config, wantedDaemonSettings(ctx), engine);
    if (merged.changes.length === 0) return done(`${DAEMON_JSON} has the settings asked for`);
    const from = configuredDataRoot(config);
    const to = ctx.options.dataRoot;
    const move = to !== undefined && to !== from && Boolean(dataRootContents(facts));
    if (move && !ctx.options.moveData)
      throw new StepError(
        `--data-root ${to}: ${from} holds ${dataRootContents(facts)}; run again with --move-data to copy them over`,
      );
    return todo({
      kind: "change-daemon-json",
      init: initSystem(facts),
      before: facts.daemonJson.exists ? (facts.daemonJson.text ?? "") : "",
      beforeConfig: config,
      content: renderDaemonJson(merged.config, facts.daemonJson.text),
      ...(move && to ? { moveData: { from, to } } : {}),
    });
  },
};
