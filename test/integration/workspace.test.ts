/**
 * `vla-provision workspace` over real SSH: files written as the login user and owned by it, a
 * re-run that changes nothing, an edit kept with its diff, the GPU-less host's default image, and
 * the refusals (bad input before connecting, a root login).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WorkspaceReport } from "../../src/workspace/report.js";
import { explain, runCli, sshFlags } from "./_helpers/cli.js";
import { startHost, type TestHost } from "./_helpers/testbed.js";

const FILES = [
  "run_docker.sh",
  "compose.yaml",
  "Dockerfile",
  ".dockerignore",
  ".env",
  "scripts/setup.sh",
  "requirements.txt",
  ".vla-provision/workspace.json",
];

function reportOf(stdout: string): WorkspaceReport {
  return JSON.parse(stdout) as WorkspaceReport;
}

describe("workspace on a GPU host (test double: RTX 5090, driver 580.95.05)", () => {
  let host: TestHost;
  const workspace = (...args: string[]) =>
    runCli(["workspace", "vla-demo", ...sshFlags(host), ...args]);

  beforeAll(async () => {
    host = await startHost("debian12-gpu", { user: "ops" });
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("--dry-run shows every file and writes nothing", async () => {
    const dry = await workspace("--dry-run");
    expect(dry.code, explain(dry)).toBe(0);
    for (const file of FILES.slice(0, 7)) expect(dry.stdout).toContain(`create     ${file}`);
    expect(dry.stdout).toContain("        | exec docker run \\");
    expect(dry.stdout).toContain("dry run: would write 7 files; nothing was changed");
    const listed = await host.exec("ls -A /home/ops/vla-demo 2>&1; echo rc=$?");
    expect(listed.stdout).toContain("No such file or directory");
  });

  it("writes the files over SSH as ops, owned by ops, fitted to the GPU", async () => {
    const result = await workspace("--json");
    expect(result.code, explain(result)).toBe(0);
    const report = reportOf(result.stdout);
    const found = report.hosts[0];
    expect(found?.dir).toBe("/home/ops/vla-demo");
    expect(found?.decisions?.image.value).toBe("pytorch/pytorch:2.11.0-cuda13.0-cudnn9-runtime");
    expect(found?.decisions?.image.reason).toContain(
      "NVIDIA GeForce RTX 5090 (compute capability 12.0), driver 580.95.05",
    );
    expect(found?.files.map((f) => f.action)).toEqual(Array(7).fill("create"));
    const owners = await host.exec(
      `cd /home/ops/vla-demo && stat -c '%U:%G %a %n' ${FILES.join(" ")}`,
    );
    expect(owners.code, owners.stderr).toBe(0);
    for (const line of owners.stdout.trim().split("\n")) expect(line).toMatch(/^ops:ops /);
    expect(owners.stdout).toContain("755 run_docker.sh");
    expect(owners.stdout).toContain("755 scripts/setup.sh");
    const env = await host.exec(
      'cd /home/ops/vla-demo && . ./.env && echo "$HOST_UID:$HOST_GID $CACHE_DIR"',
    );
    const ids = await host.exec('echo "$(id -u ops):$(id -g ops)"');
    const [uidGid, cacheDir] = env.stdout.trim().split(" ");
    expect(uidGid).toBe(ids.stdout.trim());
    expect(cacheDir).toBe(found?.decisions?.cacheDir.value);
    const cache = await host.exec(`stat -c '%U' '${cacheDir}' '${cacheDir}/home'`);
    expect(cache.stdout.trim().split("\n")).toEqual(["ops", "ops"]);
    const syntax = await host.exec(
      "cd /home/ops/vla-demo && sh -n run_docker.sh && sh -n scripts/setup.sh && echo ok",
    );
    expect(syntax.stdout.trim(), syntax.stderr).toBe("ok");
  });

  it("a second run changes nothing, and says so", async () => {
    const before = await host.exec("find /home/ops/vla-demo -type f -printf '%p %T@\\n' | sort");
    const again = await workspace();
    expect(again.code, explain(again)).toBe(0);
    expect(again.stdout).toContain("=> nothing to change: every file is up to date");
    const after = await host.exec("find /home/ops/vla-demo -type f -printf '%p %T@\\n' | sort");
    expect(after.stdout).toBe(before.stdout);
  });

  it("a file ops edited is kept, with a diff; --force replaces it after a backup", async () => {
    await host.exec("su ops -c 'printf \"%s\\n\" WANDB_PROJECT=vla >> /home/ops/vla-demo/.env'");
    const edited = (await host.exec("cat /home/ops/vla-demo/.env")).stdout;
    const kept = await workspace("--gpus", "0");
    expect(kept.code, explain(kept)).toBe(0);
    expect(kept.stdout).toMatch(/kept +\.env: edited since the tool wrote it: kept as it is/);
    expect(kept.stdout).toContain("=> nothing written; 1 file kept with your edits");
    expect(kept.stdout).toContain("- WANDB_PROJECT=vla");
    expect(kept.stdout).toContain("+ GPUS=0");
    expect((await host.exec("cat /home/ops/vla-demo/.env")).stdout).toBe(edited);

    const forced = await workspace("--gpus", "0", "--force", "--json");
    expect(forced.code, explain(forced)).toBe(0);
    const files = reportOf(forced.stdout).hosts[0]?.files ?? [];
    expect(files.find((f) => f.path === ".env")?.action).toBe("replace");
    const backups = await host.exec(
      "cat /home/ops/vla-demo/.vla-provision/backups/*/.env; stat -c %U /home/ops/vla-demo/.env",
    );
    // (execa drops the last line break of a command's output)
    expect(backups.stdout).toBe(`${edited}\nops`);
    expect((await host.exec("grep -x GPUS=0 /home/ops/vla-demo/.env")).code).toBe(0);
  });

  it("refuses an image known not to run on the RTX 5090 unless --force", async () => {
    const refused = await workspace("--image", "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime");
    expect(refused.code, explain(refused)).toBe(3);
    expect(refused.stderr).toContain("has no kernels for NVIDIA GeForce RTX 5090");
  });
});

describe("workspace on a host without a GPU", () => {
  let host: TestHost;

  beforeAll(async () => {
    host = await startHost("debian12", { user: "ops" });
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("says why it chose the image, and still writes the files", async () => {
    const result = await runCli(["workspace", ...sshFlags(host), "--json"]);
    expect(result.code, explain(result)).toBe(0);
    const found = reportOf(result.stdout).hosts[0];
    expect(found?.dir).toBe("/home/ops");
    expect(found?.decisions?.image.value).toBe("pytorch/pytorch:2.11.0-cuda12.8-cudnn9-runtime");
    expect(found?.decisions?.image.reason).toMatch(/^no NVIDIA GPU seen/);
    expect(found?.decisions?.name.value).toBe("ops");
    const listed = await host.exec(
      "stat -c '%U %n' /home/ops/run_docker.sh /home/ops/compose.yaml",
    );
    expect(listed.stdout).toBe("ops /home/ops/run_docker.sh\nops /home/ops/compose.yaml");
  });

  it("refuses a root login: the workspace belongs to the user who works in it", async () => {
    const flags = sshFlags(host);
    flags[1] = host.ssh.replace(/^[^@]+@/, "root@");
    const result = await runCli(["workspace", "/root/ws", ...flags]);
    expect(result.code, explain(result)).toBe(3);
    expect(result.stderr).toContain("the workspace would belong to root");
    expect((await host.exec("test -e /root/ws; echo $?")).stdout.trim()).toBe("1");
  });

  it("bad input: one line, exit 2, before connecting", async () => {
    for (const args of [
      ["--port", "99999"],
      ["--cache-dir", "relative/dir"],
      ["--shm-size", "8g"],
      ["--gpus", "first"],
    ]) {
      const result = await runCli(["workspace", "--ssh", "nobody@127.0.0.1:1", ...args]);
      expect(result.code, explain(result)).toBe(2);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
    }
  });
});
