import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { lineDiff } from "../../src/diff.js";
import { runExitCode, type StepReport } from "../../src/engine/report.js";
import { type HostRun, type Preflight, runPipeline } from "../../src/engine/runner.js";
import { command, done, note, type Step, type StepContext, todo } from "../../src/engine/step.js";
import { RefusedError, StepError } from "../../src/errors.js";
import { parseProbe } from "../../src/facts/facts.js";
import { gatherFacts } from "../../src/facts/gather.js";
import { Host } from "../../src/hosts/host.js";
import { LocalTransport } from "../../src/hosts/local.js";
import { requestInterruption, resetInterruption } from "../../src/interrupt.js";
import { emptyReport } from "../../src/session.js";
import { TEST_OPTIONS } from "./_helpers/options.js";

// Real steps on a real (local) host: they write files into a temporary folder through
// Host.writeFile, and the runner re-reads the facts with the real probe after each change.

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

/** A host run whose steps act on `dir` (kept in the context's decisions). */
function hostRun(target: string, dir: string, decisions: Record<string, string> = {}): HostRun {
  const report = emptyReport(target);
  const ctx: StepContext = {
    host: new Host(new LocalTransport(), { mode: "root" }),
    facts: parseProbe(PROBE, "root"),
    options: OPTIONS,
    targetUser: "root",
    decisions: new Map(Object.entries({ dir, ...decisions })),
    refreshFacts: async () => {
      ctx.facts = await gatherFacts(ctx.host, "root", ["dpkg"]);
    },
    log: () => {},
    notice: (text) => report.notices.push(text),
  };
  return { ctx, report };
}

const dirOf = (ctx: StepContext) => ctx.decisions.get("dir") ?? "/nonexistent";

/** Writes `name` into the host's folder; done when the file is there (read with node:fs). */
function fileStep(name: string, content = `${name}\n`): Step {
  return {
    id: `write-${name}`,
    title: `Write ${name}`,
    kind: "change",
    check: (ctx) => {
      const path = join(dirOf(ctx), name);
      return existsSync(path)
        ? done(`${name} is in place`)
        : todo({ kind: "file", path, diff: lineDiff("", content) });
    },
    apply: (ctx) => ctx.host.writeFile(join(dirOf(ctx), name), content, { mode: "0644" }),
  };
}

/** Fails on hosts whose decisions say so. */
const failStep: Step = {
  id: "maybe-fail",
  title: "Fail where asked",
  kind: "change",
  check: (ctx) =>
    ctx.decisions.get("fail")
      ? todo(command("apt-get install docker-ce"))
      : done("nothing to fail"),
  apply: async () => {
    throw new StepError("apt-get install docker-ce exited with code 100 (apt/dpkg error)");
  },
};

/** Plans a change, then makes none. */
const lazyStep: Step = {
  id: "lazy",
  title: "Promise and do nothing",
  kind: "change",
  check: () => todo(command("touch /nonexistent/flag")),
  apply: async () => {},
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
        reason: "a.conf is in place",
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
      },
    ]);
    expect(existsSync(join(dir, "a.conf"))).toBe(false);
    expect(run.ctx.host.commandCount).toBe(0);
  }, 60_000);

  it("fails a step whose apply leaves the check unsatisfied, and runs no later step", async () => {
    const dir = tempDir();
    const run = hostRun("local", dir);
    await runPipeline([run], [lazyStep, fileStep("after.conf")], preflightOk, RUN);
    expect(plain(run.report.steps)).toEqual([
      {
        id: "lazy",
        title: "Promise and do nothing",
        status: "failed",
        error: "did not converge: still to do after applying:\n$ touch /nonexistent/flag",
      },
    ]);
    expect(run.report.ok).toBe(false);
    expect(run.report.exitCode).toBe(1);
    expect(existsSync(join(dir, "after.conf"))).toBe(false);
  }, 60_000);

  it("skips by skipReason without checking", async () => {
    const run = hostRun("local", tempDir());
    const step: Step = {
      id: "gpu-only",
      title: "Needs a GPU",
      kind: "change",
      skipReason: () => "no NVIDIA GPU on this host",
      check: () => {
        throw new Error("check must not run");
      },
      apply: async () => {},
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

  it("records a verify step as verified without checking again", async () => {
    const run = hostRun("local", tempDir());
    let applied = 0;
    const step: Step = {
      id: "verify",
      title: "Verify",
      kind: "verify",
      check: () => todo(note("run hello-world")),
      apply: async () => {
        applied++;
      },
    };
    await runPipeline([run], [step], preflightOk, RUN);
    expect(plain(run.report.steps)).toEqual([
      { id: "verify", title: "Verify", status: "verified" },
    ]);
    expect(applied).toBe(1);
  }, 60_000);

  it("runs hosts concurrently, and one host failing does not stop the other", async () => {
    const dirA = tempDir();
    const dirB = tempDir();
    const a = hostRun("a", dirA, { fail: "yes" });
    const b = hostRun("b", dirB);

    // Each host waits in this step until the other has reached it: run one after the other, the
    // first would wait alone and fail.
    let arrived = 0;
    let release: () => void = () => {};
    const everyone = new Promise<void>((resolve) => {
      release = resolve;
    });
    const meet: Step = {
      id: "meet",
      title: "Meet the other host",
      kind: "change",
      check: (ctx) => (ctx.decisions.has("met") ? done("met") : todo(note("wait"))),
      apply: async (ctx) => {
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
        ctx.decisions.set("met", "yes");
      },
    };

    await runPipeline([a, b], [meet, failStep, fileStep("after.conf")], preflightOk, RUN);

    expect(plain(a.report.steps)).toEqual([
      { id: "meet", title: "Meet the other host", status: "changed", reason: "met" },
      {
        id: "maybe-fail",
        title: "Fail where asked",
        status: "failed",
        error: "apt-get install docker-ce exited with code 100 (apt/dpkg error)",
      },
    ]);
    expect(a.report.ok).toBe(false);
    expect(a.report.exitCode).toBe(1);
    expect(existsSync(join(dirA, "after.conf"))).toBe(false);

    expect(plain(b.report.steps)).toEqual([
      { id: "meet", title: "Meet the other host", status: "changed", reason: "met" },
      { id: "maybe-fail", title: "Fail where asked", status: "skipped", reason: "nothing to fail" },
      {
        id: "write-after.conf",
        title: "Write after.conf",
        status: "changed",
        reason: "after.conf is in place",
      },
    ]);
    expect(b.report.ok).toBe(true);
    expect(b.report.exitCode).toBe(0);
    expect(existsSync(join(dirB, "after.conf"))).toBe(true);
  }, 60_000);

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
      check: () => todo(note("leak")),
      apply: async () => {
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
    const run = hostRun("local", dir);
    // The signal arrives while the first step applies.
    const interruptedWhileApplying: Step = {
      ...fileStep("first.conf"),
      apply: async (ctx) => {
        requestInterruption("SIGINT");
        await ctx.host.writeFile(join(dirOf(ctx), "first.conf"), "first.conf\n", { mode: "0644" });
      },
    };
    await runPipeline([run], [interruptedWhileApplying, fileStep("second.conf")], preflightOk, RUN);
    expect(plain(run.report.steps)).toEqual([
      {
        id: "write-first.conf",
        title: "Write first.conf",
        status: "changed",
        reason: "first.conf is in place",
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
