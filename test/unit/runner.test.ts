import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CommandEnv } from "../../src/actions/commands.js";
import { scriptsOf } from "../../src/actions/render.js";
import { type Action, note } from "../../src/actions/types.js";
import { type Decisions, initialDecisions } from "../../src/decisions.js";
import { runExitCode, type StepReport } from "../../src/engine/report.js";
import { type HostRun, type Preflight, runPipeline } from "../../src/engine/runner.js";
import {
  done,
  type PlanContext,
  type Step,
  type StepContext,
  todo,
} from "../../src/engine/step.js";
import { RefusedError } from "../../src/errors.js";
import { parseProbe } from "../../src/facts/facts.js";
import { gatherFacts } from "../../src/facts/gather.js";
import { Host, writeFileScript } from "../../src/hosts/host.js";
import { LocalTransport } from "../../src/hosts/local.js";
import { shellQuote } from "../../src/hosts/shell.js";
import type { ExecOptions, ExecResult, Transport } from "../../src/hosts/transport.js";
import { requestInterruption, resetInterruption } from "../../src/interrupt.js";
import { emptyReport } from "../../src/session.js";
import { TEST_OPTIONS } from "./_helpers/options.js";

// Real steps on a real (local) host: their write-file actions write files into a temporary folder
// through the host layer, and the runner re-reads the facts with the real probe after each change.
// Commands a test must not run for real (apt-get, docker) are answered by the transport.

const PROBE = readFileSync(
  new URL("../fixtures/probe/debian12-local-root.txt", import.meta.url),
  "utf8",
);

const OPTIONS = TEST_OPTIONS;

const RUN = { dryRun: false, verbose: false, toStderr: true };
const preflightOk: Preflight = async () => "Debian 12 amd64";

let dirs: string[] = [];

beforeAll(() => {
  // listr2's plain renderer: no cursor movement in the test output.
  process.env.CI = "1";
  process.env.NO_COLOR = "1";
});

beforeEach(() => {
  dirs = [];
});

afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "vla-runner-"));
  dirs.push(dir);
  return dir;
}

/** Answers a command itself (the host transport's view: `timeout ... sh -c '<script>'`), or undefined to run it. */
type Intercept = (command: string) => Promise<ExecResult | undefined> | ExecResult | undefined;

/** Whether the transport's command runs exactly this script (as root, no sudo: only `timeout` wraps it). */
const runs = (command: string, script: string) => command.endsWith(` sh -c ${shellQuote(script)}`);

/** The local machine, except for the commands `intercept` answers. */
class InterceptingTransport implements Transport {
  readonly target = "local";
  readonly kind = "local";
  private readonly local = new LocalTransport();
  readonly loginUser = this.local.loginUser;

  constructor(private readonly intercept: Intercept) {}

  async exec(command: string, options?: ExecOptions): Promise<ExecResult> {
    return (await this.intercept(command)) ?? this.local.exec(command, options);
  }

  async close(): Promise<void> {}
}

/** What a host run's steps act on: its folder, and whether its maybe-fail step fails. */
interface Setup {
  dir: string;
  fail: boolean;
}

/** Each host's setup, found from its context's decisions (one object per host, kept across refreshes). */
const setups = new WeakMap<Decisions, Setup>();
const setupOf = (ctx: PlanContext): Setup =>
  setups.get(ctx.decisions) ?? { dir: "/nonexistent", fail: false };
const dirOf = (ctx: PlanContext) => setupOf(ctx).dir;

/** How the runner turns this test's actions into commands (a root host, the default lock wait). */
const ENV: CommandEnv = {
  loginUser: new LocalTransport().loginUser,
  aptLockWaitMs: OPTIONS.aptLockWaitMs,
};

/** Never run apt-get for real: the maybe-fail step's install fails as apt does for a missing package. */
const FAIL_ACTION: Action = {
  kind: "apt-install",
  packages: [{ name: "docker-ce" }],
  noRecommends: false,
  allowDowngrades: false,
};
const [FAIL_SCRIPT = ""] = scriptsOf([FAIL_ACTION], ENV);
const APT_FAILURE: ExecResult = {
  code: 100,
  stdout: "",
  stderr: "E: Unable to locate package docker-ce\n",
};
/** How the step's failure reads: the command (its first 77 characters), apt's code and its E: line. */
const APT_ERROR =
  "apt-get install docker-ce exited with code 100 (apt/dpkg error): E: Unable to locate package docker-ce";

/** A host run whose steps act on `dir`; `intercept` may answer commands before the local machine. */
function hostRun(
  target: string,
  dir: string,
  setup: { fail?: boolean; intercept?: Intercept } = {},
): HostRun {
  const report = emptyReport(target);
  const transport = new InterceptingTransport(async (command) => {
    if (runs(command, FAIL_SCRIPT)) return APT_FAILURE;
    return setup.intercept?.(command);
  });
  const decisions = initialDecisions("root");
  setups.set(decisions, { dir, fail: setup.fail ?? false });
  const ctx: StepContext = {
    host: new Host(transport, { mode: "root" }),
    facts: parseProbe(PROBE, "root"),
    options: OPTIONS,
    decisions,
    refreshFacts: async () => {
      ctx.facts = await gatherFacts(ctx.host, "root", ["dpkg"]);
    },
    log: () => {},
    notice: (text) => report.notices.push(text),
  };
  return { ctx, report };
}

/** The script that writes `path` (mode 0644, root's): what a write-file action of a new file runs. */
const writeScript = (path: string) => writeFileScript(path, { mode: "0644" }, false);

/** Writes `name` into the host's folder; done when the file is there (read with node:fs). */
function fileStep(name: string, content = `${name}\n`): Step {
  return {
    id: `write-${name}`,
    title: `Write ${name}`,
    kind: "change",
    plan: (ctx) => {
      const path = join(dirOf(ctx), name);
      return existsSync(path)
        ? done(`${name} is in place`)
        : todo({ kind: "write-file", path, content, mode: "0644" });
    },
  };
}

/** Fails on hosts whose setup says so: apt cannot install the package. */
const failStep: Step = {
  id: "maybe-fail",
  title: "Fail where asked",
  kind: "change",
  plan: (ctx) => (setupOf(ctx).fail ? todo(FAIL_ACTION) : done("nothing to fail")),
};

/** Plans a change, then makes none. */
const lazyStep: Step = {
  id: "lazy",
  title: "Promise and do nothing",
  kind: "change",
  plan: () => todo(note("touch /nonexistent/flag")),
};

const plain = (steps: StepReport[]) =>
  steps.map(({ durationMs, ...rest }) => {
    expect(durationMs).toBeGreaterThanOrEqual(0);
    return rest;
  });

describe("runPipeline", () => {
  it("changes, then skips with the reason on the second run", async () => {
    const dir = tempDir();
    const first = hostRun("local", dir);
    const before = first.ctx.facts;
    await runPipeline([first], [fileStep("a.conf")], preflightOk, RUN);
    expect(plain(first.report.steps)).toEqual([
      {
        id: "write-a.conf",
        title: "Write a.conf",
        status: "changed",
        reason: `wrote ${join(dir, "a.conf")}`,
        ran: [writeScript(join(dir, "a.conf"))],
      },
    ]);
    expect(first.report.ok).toBe(true);
    expect(first.report.exitCode).toBe(0);
    expect(readFileSync(join(dir, "a.conf"), "utf8")).toBe("a.conf\n");
    // The facts were read again after the change.
    expect(first.ctx.facts).not.toBe(before);
    expect(first.ctx.facts.identity.uid).toBe(0);

    const second = hostRun("local", dir);
    await runPipeline([second], [fileStep("a.conf")], preflightOk, RUN);
    expect(plain(second.report.steps)).toEqual([
      {
        id: "write-a.conf",
        title: "Write a.conf",
        status: "skipped",
        reason: "a.conf is in place",
      },
    ]);
    expect(second.ctx.host.commandCount).toBe(0);
  }, 60_000);

  it("plans and changes nothing on a dry run", async () => {
    const dir = tempDir();
    const run = hostRun("local", dir);
    await runPipeline([run], [fileStep("a.conf", "hello\n")], preflightOk, {
      ...RUN,
      dryRun: true,
    });
    expect(plain(run.report.steps)).toEqual([
      {
        id: "write-a.conf",
        title: "Write a.conf",
        status: "planned",
        plan: `--- ${join(dir, "a.conf")}\n+ hello`,
        actions: [
          { kind: "write-file", path: join(dir, "a.conf"), content: "hello\n", mode: "0644" },
        ],
        commands: [writeScript(join(dir, "a.conf"))],
      },
    ]);
    expect(existsSync(join(dir, "a.conf"))).toBe(false);
    expect(run.ctx.host.commandCount).toBe(0);
  }, 60_000);

  it("fails a step whose actions leave its plan unfinished, and runs no later step", async () => {
    const dir = tempDir();
    const run = hostRun("local", dir);
    await runPipeline([run], [lazyStep, fileStep("after.conf")], preflightOk, RUN);
    // What the step ran is checked in the next test.
    expect(plain(run.report.steps).map(({ ran: _ran, ...rest }) => rest)).toEqual([
      {
        id: "lazy",
        title: "Promise and do nothing",
        status: "failed",
        error: "did not converge: still to do after applying:\n# touch /nonexistent/flag",
      },
    ]);
    expect(run.report.ok).toBe(false);
    expect(run.report.exitCode).toBe(1);
    expect(existsSync(join(dir, "after.conf"))).toBe(false);
  }, 60_000);

  it("records as ran only the step's own commands when it does not converge, not the probe that re-read the facts", async () => {
    const run = hostRun("local", tempDir());
    await runPipeline([run], [lazyStep], preflightOk, RUN);
    expect(run.report.steps[0]?.status).toBe("failed");
    // Like a changed step's `ran`, which is taken before the facts are read again.
    expect(run.report.steps[0]?.ran).toEqual([]);
  }, 60_000);

  it("skips by skipReason without planning", async () => {
    const run = hostRun("local", tempDir());
    const step: Step = {
      id: "gpu-only",
      title: "Needs a GPU",
      kind: "change",
      skipReason: () => "no NVIDIA GPU on this host",
      plan: () => {
        throw new Error("plan must not run");
      },
    };
    await runPipeline([run], [step], preflightOk, RUN);
    expect(plain(run.report.steps)).toEqual([
      {
        id: "gpu-only",
        title: "Needs a GPU",
        status: "skipped",
        reason: "no NVIDIA GPU on this host",
      },
    ]);
  }, 60_000);

  it("records a verify step as verified without planning again", async () => {
    let containers = 0;
    const run = hostRun("local", tempDir(), {
      intercept: (command) => {
        if (!command.includes("docker run")) return undefined;
        containers++;
        return { code: 0, stdout: "Hello from Docker!\n", stderr: "" };
      },
    });
    let plans = 0;
    const step: Step = {
      id: "verify",
      title: "Verify",
      kind: "verify",
      plan: () => {
        plans++;
        return todo({
          kind: "verify-container",
          user: "root",
          image: "hello-world",
          gpus: false,
          command: [],
          expect: { text: "Hello from Docker!" },
        });
      },
    };
    await runPipeline([run], [step], preflightOk, RUN);
    expect(plain(run.report.steps)).toEqual([
      { id: "verify", title: "Verify", status: "verified", ran: ["docker run --rm hello-world"] },
    ]);
    expect(containers).toBe(1);
    expect(plans).toBe(1);
  }, 60_000);

  it("runs hosts concurrently, and one host failing does not stop the other", async () => {
    const dirA = tempDir();
    const dirB = tempDir();

    // Each host waits in this step, while it writes its `met` file, until the other has reached
    // it: run one after the other, the first would wait alone and fail.
    let arrived = 0;
    let release: () => void = () => {};
    const everyone = new Promise<void>((resolve) => {
      release = resolve;
    });
    const meetOn =
      (dir: string): Intercept =>
      async (command) => {
        if (!runs(command, writeScript(join(dir, "met")))) return undefined;
        arrived++;
        if (arrived === 2) release();
        let timer: NodeJS.Timeout | undefined;
        const alone = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("the other host never came")), 10_000);
        });
        try {
          await Promise.race([everyone, alone]);
        } finally {
          clearTimeout(timer);
        }
        return undefined; // now write it
      };
    const a = hostRun("a", dirA, { fail: true, intercept: meetOn(dirA) });
    const b = hostRun("b", dirB, { intercept: meetOn(dirB) });
    const meet: Step = {
      id: "meet",
      title: "Meet the other host",
      kind: "change",
      plan: (ctx) => {
        const path = join(dirOf(ctx), "met");
        return existsSync(path)
          ? done("met")
          : todo({ kind: "write-file", path, content: "yes\n", mode: "0644" });
      },
    };

    await runPipeline([a, b], [meet, failStep, fileStep("after.conf")], preflightOk, RUN);

    expect(plain(a.report.steps)).toEqual([
      {
        id: "meet",
        title: "Meet the other host",
        status: "changed",
        reason: `wrote ${join(dirA, "met")}`,
        ran: [writeScript(join(dirA, "met"))],
      },
      {
        id: "maybe-fail",
        title: "Fail where asked",
        status: "failed",
        error: APT_ERROR,
        ran: [FAIL_SCRIPT],
      },
    ]);
    expect(a.report.ok).toBe(false);
    expect(a.report.exitCode).toBe(1);
    expect(existsSync(join(dirA, "after.conf"))).toBe(false);

    expect(plain(b.report.steps)).toEqual([
      {
        id: "meet",
        title: "Meet the other host",
        status: "changed",
        reason: `wrote ${join(dirB, "met")}`,
        ran: [writeScript(join(dirB, "met"))],
      },
      { id: "maybe-fail", title: "Fail where asked", status: "skipped", reason: "nothing to fail" },
      {
        id: "write-after.conf",
        title: "Write after.conf",
        status: "changed",
        reason: `wrote ${join(dirB, "after.conf")}`,
        ran: [writeScript(join(dirB, "after.conf"))],
      },
    ]);
    expect(b.report.ok).toBe(true);
    expect(b.report.exitCode).toBe(0);
    expect(existsSync(join(dirB, "after.conf"))).toBe(true);
    expect(arrived).toBe(2);
  }, 60_000);

  it("in a log of several hosts, every line names its host; a single host's lines do not", async () => {
    const logged = async (runs: HostRun[]) => {
      const lines: string[] = [];
      const write = process.stderr.write.bind(process.stderr);
      process.stderr.write = ((chunk: string) => {
        lines.push(String(chunk));
        return true;
      }) as typeof process.stderr.write;
      try {
        await runPipeline(runs, [fileStep("named.conf")], preflightOk, RUN);
      } finally {
        process.stderr.write = write;
      }
      return lines
        .join("")
        .split("\n")
        .filter((line) => /Write named\.conf|Preflight/.test(line));
    };
    const two = await logged([hostRun("a", tempDir()), hostRun("b", tempDir())]);
    expect(two.length).toBeGreaterThanOrEqual(4);
    for (const line of two) expect(line).toMatch(/\] (a|b): (Write named\.conf|Preflight)/);
    const one = await logged([hostRun("c", tempDir())]);
    expect(one.length).toBeGreaterThanOrEqual(2);
    for (const line of one) expect(line).not.toMatch(/\] c: /);
  });

  it("runs no step when preflight refuses, and records exit code 3", async () => {
    const dir = tempDir();
    const run = hostRun("local", dir);
    const refuse: Preflight = async () => {
      throw new RefusedError("unsupported OS Debian GNU/Linux 11 (bullseye)");
    };
    await runPipeline([run], [fileStep("a.conf")], refuse, RUN);
    expect(run.report.ok).toBe(false);
    expect(run.report.exitCode).toBe(3);
    expect(run.report.error).toBe("unsupported OS Debian GNU/Linux 11 (bullseye)");
    expect(run.report.steps).toEqual([]);
    expect(existsSync(join(dir, "a.conf"))).toBe(false);
    expect(run.ctx.host.commandCount).toBe(0);
  }, 60_000);

  it("keeps the sudo password out of a failed step's error", async () => {
    const run = hostRun("local", tempDir());
    run.ctx.host.privilege = { mode: "sudo-password", password: "s3cret-pw" };
    const leaky: Step = {
      id: "leaky",
      title: "Leak",
      kind: "change",
      plan: () => {
        throw new Error("sudo said: s3cret-pw is wrong");
      },
    };
    await runPipeline([run], [leaky], preflightOk, RUN);
    expect(plain(run.report.steps)).toEqual([
      { id: "leaky", title: "Leak", status: "failed", error: "sudo said: [redacted] is wrong" },
    ]);
  }, 60_000);
});

describe("runPipeline after an interruption (Ctrl-C, SIGTERM)", () => {
  afterEach(() => resetInterruption());

  it("lets the step in flight finish, starts no later step, and records exit code 130", async () => {
    const dir = tempDir();
    // The signal arrives while the first step's write runs.
    const run = hostRun("local", dir, {
      intercept: (command) => {
        if (runs(command, writeScript(join(dir, "first.conf")))) requestInterruption("SIGINT");
        return undefined;
      },
    });
    await runPipeline([run], [fileStep("first.conf"), fileStep("second.conf")], preflightOk, RUN);
    expect(plain(run.report.steps)).toEqual([
      {
        id: "write-first.conf",
        title: "Write first.conf",
        status: "changed",
        reason: `wrote ${join(dir, "first.conf")}`,
        ran: [writeScript(join(dir, "first.conf"))],
      },
      {
        id: "write-second.conf",
        title: "Write second.conf",
        status: "not started",
        reason: "interrupted (SIGINT)",
      },
    ]);
    expect(existsSync(join(dir, "first.conf"))).toBe(true);
    expect(existsSync(join(dir, "second.conf"))).toBe(false);
    expect(run.report.exitCode).toBe(130);
    expect(runExitCode({ version: "0", dryRun: false, hosts: [run.report] })).toBe(130);
  });
});
