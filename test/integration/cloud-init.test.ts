import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { hasCommand, requireTool, runsWith } from "../_helpers/tools.js";
import { explain, runCli } from "./_helpers/cli.js";
import { buildExecutables } from "./_helpers/exe.js";

const hasCloudInit = hasCommand("cloud-init");
const dir = mkdtempSync(join(tmpdir(), "vla-cloud-init-"));

/** cloud-init's own check of a user-data file (Debian's cloud-init 22.4). */
async function schemaCheck(text: string) {
  const file = join(dir, `user-data-${Date.now()}.yaml`);
  writeFileSync(file, text);
  return execa("cloud-init", ["schema", "--config-file", file], { reject: false, all: true });
}

describe.skipIf(!runsWith(hasCloudInit))("cloud-init schema", () => {
  it("accepts the user-data vla-provision cloud-init prints", async () => {
    requireTool(hasCloudInit, "cloud-init (Debian package: cloud-init)");
    const result = await runCli([
      "cloud-init",
      "--exe-sha256",
      "0".repeat(64),
      "--docker-version",
      "~27.5",
      "--registry-mirror",
      "https://mirror.example.org",
      "--user",
      "ubuntu",
    ]);
    expect(result.code, explain(result)).toBe(0);
    const check = await schemaCheck(result.stdout);
    expect(check.exitCode, check.all).toBe(0);
    expect(check.all).toMatch(/Valid cloud-config/);
  });

  it("and is strict enough to refuse a broken one", async () => {
    requireTool(hasCloudInit, "cloud-init (Debian package: cloud-init)");
    const check = await schemaCheck("#cloud-config\nruncmd: 5\nwrite_files:\n  - content: x\n");
    expect(check.exitCode).not.toBe(0);
  });
});

describe.skipIf(process.arch !== "x64")("from the standalone executable", () => {
  it("pins its own SHA-256: the line for it in SHA256SUMS", async () => {
    const exe = await buildExecutables();
    const result = await execa(exe.x64, ["cloud-init"], { reject: false });
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const own = createHash("sha256").update(readFileSync(exe.x64)).digest("hex");
    expect(readFileSync(exe.sums, "utf8")).toContain(`${own}  vla-provision-linux-x64\n`);
    expect(String(result.stdout)).toContain(`sha256=${own}\n`);
    // Another architecture's is not its own: it must be given.
    const arm = await execa(exe.x64, ["cloud-init", "--arch", "arm64"], { reject: false });
    expect(arm.exitCode).toBe(2);
    expect(String(arm.stderr)).toMatch(/give --exe-sha256/);
  });
});
