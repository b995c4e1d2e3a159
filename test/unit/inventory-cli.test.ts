import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main, type Plan } from "../../src/cli.js";
import type { Pipeline } from "../../src/engine/pipeline.js";

const dir = mkdtempSync(join(tmpdir(), "vla-inventory-cli-"));
const key = join(dir, "id_gpu");
writeFileSync(key, "-----BEGIN OPENSSH PRIVATE KEY-----\n");
const inventory = join(dir, "hosts.ini");
writeFileSync(
  inventory,
  [
    "[gpu]",
    `gpu-[01:03] ansible_host=10.0.0.1 ansible_user=ops ansible_ssh_private_key_file=${key}`,
    "[spare]",
    "old-01 ansible_host=10.0.0.9",
    "[gpu:vars]",
    "ansible_port=2222",
    "",
  ].join("\n"),
);
const NO_STEPS: Pipeline = { steps: [] };
// No ssh_config of this machine's user may change how the targets are read.
const NO_CONFIG = ["--ssh-config", "/dev/null"];

async function cli(...args: string[]): Promise<{ code: number; plan?: Plan; stderr: string }> {
  const plans: Plan[] = [];
  const stderr: string[] = [];
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    stderr.push(String(chunk));
    return true;
  });
  const code = await main(
    ["node", "vla-provision", ...args, ...NO_CONFIG],
    NO_STEPS,
    async (plan) => {
      plans.push(plan);
      return 0;
    },
  );
  vi.restoreAllMocks();
  return { code, plan: plans[0], stderr: stderr.join("") };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("--inventory, --limit and --parallel on the command line", () => {
  it("the selected hosts become targets, with their names and keys; --ssh hosts run too", async () => {
    const { code, plan, stderr } = await cli(
      "--inventory",
      inventory,
      "--limit",
      "gpu:!gpu-02",
      "--ssh",
      "lab@bastion",
      "--parallel",
      "3",
    );
    expect(stderr).toBe("");
    expect(code).toBe(0);
    // gpu-01 and gpu-03 reach the same address: the second runs once, as the first (with a note).
    expect(plan?.targets).toEqual(["lab@bastion", "ops@10.0.0.1:2222"]);
    expect(plan?.details.get("ops@10.0.0.1:2222")).toEqual({ name: "gpu-01", identity: key });
    expect(plan?.parallel).toBe(3);
    expect(plan?.options.notices).toEqual([
      "inventory hosts gpu-01 and gpu-03 both reach ops@10.0.0.1:2222: it runs once, as gpu-01",
    ]);
  });

  it("--parallel defaults to 10", async () => {
    expect((await cli("--inventory", inventory, "--limit", "spare")).plan?.parallel).toBe(10);
  });

  it.each([
    [["--parallel", "0"], /--parallel: "0" is not a whole number in 1\.\.256/],
    [["--parallel", "257"], /--parallel: "257"/],
    [["--parallel", "2.5"], /--parallel: "2\.5"/],
    [["--limit", "gpu"], /--limit selects hosts of an --inventory: give one/],
    [["--inventory", inventory, "--limit", "nothing"], /"nothing" names no host or group/],
    [["--inventory", join(dir, "missing.ini")], /--inventory: ".*missing\.ini" does not exist/],
  ])("%j is refused before anything connects: exit 2, one line", async (args, message) => {
    const { code, plan, stderr } = await cli(...args);
    expect(plan).toBeUndefined();
    expect(code).toBe(2);
    expect(stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(stderr).toMatch(message);
  });

  it("an inventory host whose key cannot be read is refused", async () => {
    const broken = join(dir, "broken.ini");
    writeFileSync(broken, `h1 ansible_ssh_private_key_file=${join(dir, "no-such-key")}\n`);
    const { code, stderr } = await cli("--inventory", broken);
    expect(code).toBe(2);
    expect(stderr).toMatch(/inventory host "h1": its key ".*no-such-key" does not exist/);
  });
});
