import { decideProxy, initialDecisions } from "./decisions.js";
import type { HostReport } from "./engine/report.js";
import type { StepContext } from "./engine/step.js";
import { RefusedError } from "./errors.js";
import { type Facts, mergeFacts } from "./facts/facts.js";
import { gatherFacts, type ProbeOptions, probeScript } from "./facts/gather.js";
import { type ConnectOptions, openTransport } from "./hosts/connect.js";
import { Host, type Privilege } from "./hosts/host.js";
import type { ProvisionOptions } from "./options.js";
import { proxyVariables } from "./proxy.js";

/** A connected, probed host. */
export interface HostSession {
  host: Host;
  facts: Facts;
  targetUser: string;
  /** The packages the probe asks dpkg about (what the steps read). */
  packages: readonly string[];
}

export function emptyReport(target: string): HostReport {
  return {
    target,
    ok: true,
    exitCode: 0,
    steps: [],
    notices: [],
    decisions: {},
    commands: 0,
    durationMs: 0,
  };
}

/** The account to add to the docker group: --user, else the SSH user, else SUDO_USER, else the current user. */
export function defaultTargetUser(
  options: ProvisionOptions,
  loginUser: string,
  isSsh: boolean,
): string {
  if (options.user) return options.user;
  if (!isSsh && process.env.SUDO_USER && loginUser === "root") return process.env.SUDO_USER;
  return loginUser;
}

/** Connect and read the facts: one round trip after the connection. */
export async function openSession(
  ssh: string | undefined,
  connect: ConnectOptions,
  options: ProvisionOptions,
  packages: readonly string[],
  probe: ProbeOptions = {},
): Promise<HostSession> {
  const transport = await openTransport(ssh, connect);
  const host = new Host(transport);
  const targetUser = defaultTargetUser(options, transport.loginUser, transport.kind === "ssh");
  const facts = await gatherFacts(host, targetUser, packages, probe).catch(async (error) => {
    await host.close();
    throw error;
  });
  host.privilege = privilegeFromFacts(facts);
  // Read once, as the login user: later probes may run as root, where sudo has reset them.
  // --proxy replaces them for every command of the run.
  host.privilegedEnv =
    options.proxy && options.proxy !== "none" ? proxyVariables(options.proxy) : facts.proxyEnv;
  return { host, facts, targetUser, packages };
}

function privilegeFromFacts(facts: Facts): Privilege {
  if (facts.identity.uid === 0) return { mode: "root" };
  if (facts.identity.sudoNoPassword) return { mode: "sudo-nopasswd" };
  return { mode: "none" };
}

export function needsPassword(session: HostSession): boolean {
  return session.host.privilege.mode === "none" && session.facts.identity.sudo === "present";
}

/** Try the sudo password; on success the host keeps it for every privileged command. */
export async function useSudoPassword(session: HostSession, password: string): Promise<void> {
  session.host.privilege = { mode: "sudo-password", password };
  const result = await session.host.run("true", {
    privileged: true,
    check: false,
    label: "sudo check",
    timeoutMs: 30_000,
  });
  if (result.code !== 0) {
    session.host.privilege = { mode: "none" };
    throw new RefusedError(
      `sudo rejected the password for ${session.host.loginUser} on ${session.host.target}`,
    );
  }
  // Root-only facts (dockerd's state, a private daemon.json) can be read now.
  session.facts = await gatherFacts(session.host, session.targetUser, session.packages);
}

/** Asks for the sudo password; `retry` is true after a wrong one. Undefined: it cannot be asked. */
export type AskPassword = (login: string, retry: boolean) => Promise<string | undefined>;

/**
 * Ask once for every host that needs a sudo password, and like sudo itself give `tries` tries in
 * all: each password is checked on the hosts still locked before anything runs. Returns the error
 * of each host left locked.
 */
export async function unlockSudo(
  sessions: readonly HostSession[],
  ask: AskPassword,
  tries: number,
): Promise<Map<HostSession, unknown>> {
  const failures = new Map<HostSession, unknown>();
  let locked = [...sessions];
  for (let attempt = 0; attempt < tries && locked.length > 0; attempt++) {
    const password = await ask(locked[0]?.host.loginUser ?? "", attempt > 0);
    if (password === undefined) {
      for (const session of locked) failures.set(session, passwordNeeded(session));
      return failures;
    }
    const results = await Promise.all(
      locked.map((session) =>
        useSudoPassword(session, password).then(
          () => undefined,
          (error: unknown) => error,
        ),
      ),
    );
    locked.forEach((session, i) => {
      if (results[i] === undefined) failures.delete(session);
      else failures.set(session, results[i]);
    });
    locked = locked.filter((_, i) => results[i] !== undefined);
  }
  return failures;
}

function passwordNeeded(session: HostSession): RefusedError {
  return new RefusedError(
    `sudo on ${session.host.target} needs a password: run in a terminal to be asked, or pass it on stdin with --sudo-password-stdin`,
  );
}

export function stepContext(
  session: HostSession,
  options: ProvisionOptions,
  report: HostReport,
): StepContext {
  report.notices.push(...options.notices);
  const ctx: StepContext = {
    host: session.host,
    facts: session.facts,
    options,
    decisions: {
      ...initialDecisions(session.targetUser),
      proxy: decideProxy(options, session.host.transport.kind === "local", session.facts.proxyEnv),
    },
    refreshFacts: async (sections) => {
      if (sections?.length === 0) return;
      ctx.facts = await gatherFacts(
        session.host,
        session.targetUser,
        session.packages,
        sections ? { partial: { only: sections, base: ctx.facts } } : {},
      );
      session.facts = ctx.facts;
    },
    probeScript: (sections) =>
      probeScript(session.targetUser, session.packages, { only: sections }),
    absorbProbe: (output, sections) => {
      ctx.facts = mergeFacts(ctx.facts, output, session.targetUser, sections);
      session.facts = ctx.facts;
    },
    log: () => {},
    notice: (text) => {
      report.notices.push(text);
    },
  };
  return ctx;
}
