import type { Action } from "../src/actions/types.js";
import { done, type PlanContext, type Step, type StepPlan, todo } from "../src/engine/step.js";
import { sha256 } from "../src/facts/probe/proxy.js";
import {
  APT_PROXY_FILE,
  aptProxyConf,
  clientProxies,
  DOCKERD_PROXY_DROPIN,
  DOCKERD_PROXY_ENV,
  dockerdProxyDropIn,
  dockerdProxyEnv,
  isLoopbackProxy,
  loopbackNotice,
  type ProxySetting,
  proxyFileMode,
  shownProxy,
} from "../src/proxy.js";
import { initSystem } from "./lib/init.js";

/** An existing file's content is never read into the plan: it may hold the old credentials. */
const NOT_SHOWN = "(its current content is not shown: it may hold credentials)\n";

/** apt, dockerd and the user's docker client keep the proxy, in files the tool owns. */
export const proxySettings: Step = {
  id: "proxy-settings",
  title: "Keep the proxy for apt, dockerd and containers",
  kind: "change",
  restartsDockerd: true,
  skipReason: ({ decisions }) =>
    decisions.proxy ? undefined : "no proxy (--proxy, or https_proxy in a local run)",
  plan(ctx) {
    const proxy = ctx.decisions.proxy;
    if (proxy === undefined) return done("no proxy");
    if (proxy === "remove") return planRemoval(ctx);
    return planProxy(ctx, proxy.setting, proxy.from);
  },
};

function planProxy(
  ctx: PlanContext,
  setting: ProxySetting,
  from: "--proxy" | "your environment",
): StepPlan {
  const { facts } = ctx;
  const mode = proxyFileMode(setting);
  const actions: Action[] = [];
  const kept: string[] = ["apt"];
  actions.push(...ownedFile(ctx, APT_PROXY_FILE, aptProxyConf(setting), mode));
  if (initSystem(facts) === "systemd") {
    const dropIn = [
      ...ownedFile(ctx, DOCKERD_PROXY_ENV, dockerdProxyEnv(setting), mode),
      ...ownedFile(ctx, DOCKERD_PROXY_DROPIN, dockerdProxyDropIn(), "0644"),
    ];
    if (dropIn.length)
      actions.push(...dropIn, { kind: "restart-docker", init: "systemd", reloadUnits: true });
    kept.push("dockerd");
  }
  const client = clientAction(ctx, setting);
  if (client) actions.push(client);
  if (!isLoopbackProxy(setting)) kept.push(`${ctx.decisions.targetUser}'s containers and builds`);
  const shown = shownProxy(setting.url);
  if (actions.length === 0)
    return done(
      `${kept.join(", ")} use ${shown}${isLoopbackProxy(setting) ? " (not containers: it is on the host's loopback)" : ""}`,
    );
  if (from === "your environment")
    actions.unshift({
      kind: "note",
      text: `the proxy ${shown} comes from your environment (https_proxy/http_proxy); --proxy none keeps none`,
    });
  if (initSystem(facts) !== "systemd")
    actions.push({
      kind: "notice",
      text: "dockerd's proxy was not set: this host has no systemd (set HTTP_PROXY in dockerd's environment yourself)",
    });
  if (isLoopbackProxy(setting)) actions.push({ kind: "notice", text: loopbackNotice(setting) });
  return todo(...actions);
}

/** Write the file when it is missing, different, or has another mode. */
function ownedFile(ctx: PlanContext, path: string, content: string, mode: string): Action[] {
  const current = ctx.facts.proxyFiles.get(path);
  if (
    current &&
    current.sha256 === sha256(content) &&
    Number.parseInt(current.mode, 8) === Number.parseInt(mode, 8)
  )
    return [];
  return [{ kind: "write-file", path, content, mode, ...(current ? { before: NOT_SHOWN } : {}) }];
}

/** ~/.docker/config.json's proxies.default, unless the proxy is on loopback (containers cannot reach it). */
function clientAction(ctx: PlanContext, setting: ProxySetting): Action | undefined {
  if (isLoopbackProxy(setting)) return undefined;
  const config = ctx.facts.dockerClientConfig;
  const wanted = clientProxies(setting);
  if (config.defaultProxiesSha256 === sha256(JSON.stringify(wanted))) return undefined;
  if (!config.path)
    return {
      kind: "notice",
      text: `${ctx.decisions.targetUser}'s home directory was not found: containers and builds get no proxy`,
    };
  if (!config.ok)
    return {
      kind: "notice",
      text: `${config.path} is not valid JSON: containers and builds get no proxy until it is fixed`,
    };
  const user = ctx.decisions.targetUser;
  return {
    kind: "set-json-key",
    path: config.path,
    owner: config.owner ?? `${user}:`,
    mode: config.mode ? `0${config.mode}`.slice(-4) : "0600",
    keyPath: ["proxies", "default"],
    value: wanted,
  };
}

function planRemoval({ facts }: PlanContext): StepPlan {
  const present = [APT_PROXY_FILE, DOCKERD_PROXY_DROPIN, DOCKERD_PROXY_ENV].filter((path) =>
    facts.proxyFiles.has(path),
  );
  if (present.length === 0)
    return done("the host holds no proxy setting of the tool's (--proxy none)");
  const actions: Action[] = present.map((path) => ({
    kind: "retire-file",
    path,
    reason: "--proxy none",
  }));
  if (present.includes(DOCKERD_PROXY_DROPIN) && initSystem(facts) === "systemd")
    actions.push({ kind: "restart-docker", init: "systemd", reloadUnits: true });
  return todo(...actions);
}
