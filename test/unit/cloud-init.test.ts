import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { parse } from "yaml";
import { buildProgram, main } from "../../src/cli.js";
import { argumentsFor } from "../../src/cloud-init/pass-through.js";
import { releaseExecutableUrl } from "../../src/cloud-init/release.js";
import {
  FIRST_BOOT_SCRIPT,
  firstBootScript,
  INSTALLED_EXECUTABLE,
  REPORT_FILE,
  renderUserData,
} from "../../src/cloud-init/user-data.js";
import type { Pipeline } from "../../src/engine/pipeline.js";
import { longFlag, OPTION_SPECS, type OptionSpec } from "../../src/option-schema.js";

const SHA = "a".repeat(64);
const NO_STEPS: Pipeline = { steps: [] };

/** Runs the real CLI entry point (nothing connects for cloud-init) and keeps what it wrote. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    err.push(String(chunk));
    return true;
  });
  try {
    const code = await main(["node", "vla-provision", ...args], NO_STEPS);
    return { code, stdout: out.join(""), stderr: err.join("") };
  } finally {
    vi.restoreAllMocks();
  }
}

afterEach(() => {
  vi.restoreAllMocks();
});

interface UserData {
  write_files: { path: string; owner: string; permissions: string; content: string }[];
  runcmd: string[][];
}

describe("the user-data", () => {
  const request = {
    url: "https://example.org/vla-provision-linux-x64",
    sha256: SHA,
    args: ["--docker-version", "~27.5", "--no-nvidia"],
    version: "0.1.0",
  };

  it("is #cloud-config: write_files puts the first-boot script in place, runcmd runs it", () => {
    const text = renderUserData(request);
    expect(text.split("\n")[0]).toBe("#cloud-config");
    const data = parse(text) as UserData;
    expect(Object.keys(data)).toEqual(["write_files", "runcmd"]);
    expect(data.write_files).toEqual([
      {
        path: FIRST_BOOT_SCRIPT,
        owner: "root:root",
        permissions: "0700",
        content: firstBootScript(request),
      },
    ]);
    expect(data.runcmd).toEqual([[FIRST_BOOT_SCRIPT]]);
  });

  it("the script downloads, checks the pinned SHA-256, installs, runs with --json --yes into /var/log", () => {
    const lines = firstBootScript(request).split("\n");
    expect(lines).toEqual(
      expect.arrayContaining([
        "set -eu",
        "url=https://example.org/vla-provision-linux-x64",
        `sha256=${SHA}`,
        `exe=${INSTALLED_EXECUTABLE}`,
        `report=${REPORT_FILE}`,
        '  curl -fsSL --retry 5 --retry-delay 5 --connect-timeout 20 -o "$tmp" "$url"',
        '  wget -q --tries=5 --timeout=20 -O "$tmp" "$url"',
        'if [ "$actual" != "$sha256" ]; then',
        'install -m 0755 "$tmp" "$exe"',
        "user=$(getent passwd 1000 | cut -d : -f 1) || user=",
        `"$exe" --json --yes --docker-version '~27.5' --no-nvidia "$@" >"$report"`,
      ]),
    );
    // The check comes before the install, the install before the run.
    const at = (prefix: string) => lines.findIndex((line) => line.startsWith(prefix));
    expect(at("actual=")).toBeLessThan(at("install "));
    expect(at("install ")).toBeLessThan(at('"$exe"'));
  });

  it("with --user given, the image's default user is not looked up", () => {
    const script = firstBootScript({ ...request, args: ["--user", "ubuntu"] });
    expect(script).not.toContain("getent");
    expect(script).toContain(`"$exe" --json --yes --user ubuntu "$@" >"$report"`);
  });

  it("hands on only what differs from the defaults, and no option of where to run", () => {
    const raw = {
      ssh: ["gpu-01"],
      identity: "/k",
      user: "ubuntu",
      nvidia: false,
      verify: true,
      requireGpu: false,
      dockerVersion: "~27.5",
      helloImage: OPTION_SPECS.helloImage.default,
      registryMirror: ["http://m1:5000", "http://m2:5000"],
      aptLockTimeout: "600",
      verbose: true,
      json: true,
    };
    expect(argumentsFor(raw, OPTION_SPECS as Record<string, OptionSpec>)).toEqual([
      "--user",
      "ubuntu",
      "--no-nvidia",
      "--docker-version",
      "~27.5",
      "--registry-mirror",
      "http://m1:5000",
      "--registry-mirror",
      "http://m2:5000",
      "--verbose",
    ]);
  });
});

describe("vla-provision cloud-init", () => {
  it("--help lists its own options and what the run needs, nothing of where to connect", () => {
    let help = "";
    const program = buildProgram(() => {});
    for (const command of program.commands)
      command.exitOverride().configureOutput({ writeOut: (text) => (help += text) });
    expect(() => program.parse(["node", "vla-provision", "cloud-init", "--help"])).toThrow();
    // An option's line starts with its flags; the description may name --json in passing.
    const lists = (flag: string) => new RegExp(`^\\s+(-[a-zA-Z], )?${flag}\\b`, "m").test(help);
    for (const flag of ["--exe-url", "--exe-sha256", "--arch", "--docker-version", "--user"])
      expect(lists(flag), flag).toBe(true);
    for (const key of [
      "ssh",
      "identity",
      "inventory",
      "limit",
      "parallel",
      "json",
      "yes",
      "dryRun",
    ])
      expect(lists(longFlag(OPTION_SPECS[key as keyof typeof OPTION_SPECS])), key).toBe(false);
  });

  it("prints the user-data for the release of this version, with the options checked", async () => {
    const result = await cli(
      "cloud-init",
      "--exe-sha256",
      SHA.toUpperCase(),
      "--docker-version",
      "~27.5",
      "--registry-mirror",
      "http://mirror:5000",
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const script = (parse(result.stdout) as UserData).write_files[0]?.content ?? "";
    expect(script).toContain(`url=${releaseExecutableUrl("0.1.0", "x64")}`);
    expect(script).toContain(`sha256=${SHA}`);
    expect(script).toContain(
      `"$exe" --json --yes --docker-version '~27.5' --registry-mirror http://mirror:5000 "$@" >"$report"`,
    );
  });

  it("--arch arm64 and --exe-url choose the executable", async () => {
    const arm = await cli("cloud-init", "--arch", "arm64", "--exe-sha256", SHA);
    expect(arm.stdout).toContain("/vla-provision-linux-arm64\n");
    const mirror = await cli("cloud-init", "--exe-url", "http://10.0.0.5/vla", "--exe-sha256", SHA);
    expect(mirror.stdout).toContain("url=http://10.0.0.5/vla\n");
  });

  it.each([
    [
      ["cloud-init"],
      /give --exe-sha256 <hex> \(the line for vla-provision-linux-x64 in SHA256SUMS/,
    ],
    [["cloud-init", "--exe-sha256", "abc"], /--exe-sha256: "abc" is not a SHA-256/],
    [
      ["cloud-init", "--arch", "riscv64", "--exe-sha256", SHA],
      /--arch: "riscv64" is not one of x64, arm64/,
    ],
    [["cloud-init", "--exe-url", "ftp://x/y", "--exe-sha256", SHA], /--exe-url: "ftp:\/\/x\/y"/],
    [["--ssh", "gpu-01", "cloud-init", "--exe-sha256", SHA], /cloud-init does not take --ssh/],
    [["cloud-init", "--ssh", "gpu-01"], /unknown option '--ssh'/],
    [["cloud-init", "--exe-sha256", SHA, "--docker-version", ""], /--docker-version/],
  ])("%j is refused in one line, exit 2", async (args, message) => {
    const result = await cli(...args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(message);
  });
});

describe("the first-boot script, run", () => {
  const dir = mkdtempSync(join(tmpdir(), "vla-cloud-init-"));
  // Stands in for the executable: prints the arguments it was given.
  const fake = "#!/bin/sh\nprintf '%s\\n' \"$@\"\n";
  let server: Server;
  let url: string;

  beforeAll(async () => {
    server = createServer((_request, response) => response.end(fake));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/vla-provision-linux-x64`;
  });
  afterAll(() => {
    server?.close();
  });

  /** The script with its two paths moved into the test's folder. */
  async function runScript(sha256: string) {
    const exe = join(dir, `exe-${sha256.slice(0, 8)}`);
    const report = join(dir, `report-${sha256.slice(0, 8)}.json`);
    const script = firstBootScript({ url, sha256, args: ["--no-nvidia"], version: "0.1.0" })
      .replace(`exe=${INSTALLED_EXECUTABLE}`, `exe=${exe}`)
      .replace(`report=${REPORT_FILE}`, `report=${report}`);
    const result = await execa("sh", ["-c", script], { reject: false });
    return { result, exe, report };
  }

  it("installs and runs the executable whose SHA-256 is the pinned one", async () => {
    const sha256 = createHash("sha256").update(fake).digest("hex");
    const { result, report } = await runScript(sha256);
    expect(result.exitCode, result.stderr).toBe(0);
    const args = readFileSync(report, "utf8").trim().split("\n");
    expect(args.slice(0, 3)).toEqual(["--json", "--yes", "--no-nvidia"]);
  });

  it("refuses any other download: nothing installed, nothing run", async () => {
    const { result, exe, report } = await runScript("0".repeat(64));
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/has SHA-256 [0-9a-f]{64}, not the pinned 0{64}: not run/);
    expect(existsSync(exe)).toBe(false);
    expect(existsSync(report)).toBe(false);
  });
});
