import { afterEach, describe, expect, it } from "vitest";
import { explain, runCli, sshFlags } from "./_helpers/cli.js";
import { STATE_SNAPSHOT, snapshotChanges } from "./_helpers/state.js";
import { startHost, type TestHost } from "./_helpers/testbed.js";

/**
 * `plan --format sh`: the plan as one shell script. Made from a fresh host's facts, changing
 * nothing; run as root on that host, it provisions it so fully that vla-provision then finds
 * every step done.
 */
describe("plan --format sh", () => {
  let host: TestHost | undefined;
  afterEach(async () => {
    await host?.stop();
    host = undefined;
  });

  it.each(["debian12", "debian12-gpu"] as const)(
    "%s: the script provisions the host, and a run afterwards has nothing left to do",
    async (variant) => {
      const started = await startHost(variant, { user: "ops" });
      host = started;
      const args = [...sshFlags(started), ...started.cliArgs];
      const before = await started.exec(STATE_SNAPSHOT);
      const plan = await runCli(["plan", "--format", "sh", ...args]);
      expect(plan.code, explain(plan)).toBe(0);
      expect(plan.stdout).toMatch(/^#!\/bin\/sh\n/);
      expect(plan.stdout).toContain("usermod -aG docker ops");
      const after = await started.exec(STATE_SNAPSHOT);
      expect(snapshotChanges(before.stdout, after.stdout)).toEqual([]);

      const ran = await started.exec("sh -s", { input: plan.stdout, timeoutMs: 600_000 });
      expect(ran.code, ran.stdout + ran.stderr).toBe(0);
      expect(ran.stdout).toContain("Hello from Docker!");
      expect(ran.stdout.trim().split("\n").at(-1)).toBe("vla-provision plan: done");

      const again = await runCli([...args, "--json", "--no-verify"]);
      expect(again.code, explain(again)).toBe(0);
      for (const step of again.report?.hosts[0]?.steps ?? []) {
        expect(step.status, `${step.id}: ${step.reason}`).toBe("skipped");
        if (variant === "debian12-gpu") expect(step.reason).not.toMatch(/no NVIDIA GPU/);
      }
    },
  );

  it("refuses more than one host, and an unknown format, before connecting", async () => {
    const two = await runCli(["plan", "--format", "sh", "--ssh", "a@h1", "--ssh", "b@h2"]);
    expect(two.code).toBe(2);
    expect(two.stderr.trim()).toBe(
      "vla-provision: plan --format sh: one script is for one host; give one --ssh at a time",
    );
    const bad = await runCli(["plan", "--format", "yaml"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('vla-provision: --format: "yaml" is not one of text, json, sh');
  });
});
