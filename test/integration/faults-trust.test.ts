/**
 * What apt trusts is exactly what was verified, and secrets stay secret: a key file with a second
 * key, a keyring that already holds one, repository URLs that would smuggle in a source line, a
 * wrong sudo password, and proxy credentials watched for in every process's command line.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { explain, runCli } from "./_helpers/cli.js";
import {
  expectConverges,
  expectNothingLost,
  hostArgs,
  plantUserState,
  userState,
} from "./_helpers/faults.js";
import { STATE_SNAPSHOT } from "./_helpers/state.js";
import { startHost, type TestHost } from "./_helpers/testbed.js";
import { type Sighting, sightingsOf, watchProcesses } from "./_helpers/watch.js";

const KEYS = resolve(
  process.env.VLA_TESTBED_DIR ?? resolve(import.meta.dirname, "../../.testbed"),
  "keys",
);

/** The primary-key fingerprints gpg itself sees in a key file. */
function gpgFingerprints(keyFile: Buffer): string[] {
  const dir = mkdtempSync(join(tmpdir(), "vla-keys-"));
  const file = join(dir, "key");
  writeFileSync(file, keyFile);
  const out = execFileSync("gpg", ["--homedir", dir, "--with-colons", "--show-keys", file], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  const lines = out.split("\n");
  return lines
    .map((line, i) => (line.startsWith("pub:") ? lines[i + 1]?.split(":")[9] : undefined))
    .filter((f): f is string => Boolean(f));
}

function flagValue(args: string[], flag: string): string {
  return args[args.indexOf(flag) + 1] ?? "";
}

describe("repository URLs that would write a second apt source line are refused before connecting", () => {
  it.each([
    ["--docker-repo", "https://mirror.example.org/x /\ndeb [trusted=yes] http://elsewhere/ /"],
    ["--nvidia-repo", "https://mirror.example.org/x\tdeb [trusted=yes] http://elsewhere/ /"],
    ["--docker-repo", "https://mirror.example.org/[trusted=yes]"],
    ["--docker-repo", "https://user:secret@mirror.example.org/linux"],
    ["--registry-mirror", "http://127.0.0.1:5000/v2?x=1"],
  ])("%s %j", async (flag, value) => {
    // An unreachable target: a broken check could never change a machine.
    const result = await runCli(["--ssh", "ops@127.0.0.1:1", "--dry-run", flag, value]);
    expect(result.code, explain(result)).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain(`vla-provision: ${flag}:`);
    expect(result.stderr).not.toMatch(/connect/);
  });
});

describe("a key file with more than one key (debian12, ops)", () => {
  let host: TestHost;
  let genuine: string;
  const args = () => [...hostArgs(host), "--no-verify", "--no-nvidia"];

  beforeAll(async () => {
    host = await startHost("debian12", { user: "ops" });
    await plantUserState(host);
    genuine = flagValue(host.cliArgs, "--docker-key-fingerprint");
    const other = readFileSync(join(KEYS, "other.asc"), "utf8");
    // A mirror whose key file holds Docker's key followed by another one.
    const served = await host.exec(
      [
        "mkdir -p /srv/two-keys/docker/linux/debian",
        "ln -s /srv/vla-testbed/repos/docker/linux/debian/dists /srv/two-keys/docker/linux/debian/dists",
        "cat /srv/vla-testbed/repos/docker/linux/debian/gpg - > /srv/two-keys/docker/linux/debian/gpg",
        "/opt/vla-testbed/bin/busybox httpd -p 127.0.0.1:8081 -h /srv/two-keys",
      ].join(" && "),
      { input: other },
    );
    expect(served.code, served.stderr).toBe(0);
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("writes only the verified key to the keyring and says the other was dropped", async () => {
    const before = await userState(host);
    const twoKeys = await host.exec("cat /srv/two-keys/docker/linux/debian/gpg");
    expect(gpgFingerprints(Buffer.from(twoKeys.stdout))).toHaveLength(2);
    const mirror = [...args()];
    mirror[mirror.indexOf("--docker-repo") + 1] = "http://127.0.0.1:8081/docker/linux";
    const result = await runCli([...mirror, "--json"]);
    expect(result.code, explain(result)).toBe(0);
    expect(result.report?.hosts[0]?.notices.join("\n")).toMatch(
      /gpg also held 1 other key\(s\) \(.*\); only .* was written/,
    );
    const keyring = await host.exec("base64 -w0 /etc/apt/keyrings/docker.asc");
    expect(gpgFingerprints(Buffer.from(keyring.stdout, "base64"))).toEqual([genuine]);
    await expectNothingLost(host, before);
    const again = await expectConverges(host, mirror);
    expect(again.report?.hosts[0]?.steps.find((s) => s.id === "docker-key")?.status).toBe(
      "skipped",
    );
  });

  it("rewrites a keyring that holds the verified key and another one", async () => {
    const before = await userState(host);
    const other = readFileSync(join(KEYS, "other.asc"), "utf8");
    await host.exec("cat - >> /etc/apt/keyrings/docker.asc", { input: other });
    const planted = await host.exec("base64 -w0 /etc/apt/keyrings/docker.asc");
    expect(gpgFingerprints(Buffer.from(planted.stdout, "base64"))).toHaveLength(2);
    const result = await runCli([...args(), "--json"]);
    expect(result.code, explain(result)).toBe(0);
    const step = result.report?.hosts[0]?.steps.find((s) => s.id === "docker-key");
    expect(step?.status).toBe("changed");
    const keyring = await host.exec("base64 -w0 /etc/apt/keyrings/docker.asc");
    expect(gpgFingerprints(Buffer.from(keyring.stdout, "base64"))).toEqual([genuine]);
    await expectNothingLost(host, before);
    await expectConverges(host, args());
  });
});

describe("secrets (debian12, lab: sudo with a password)", () => {
  let host: TestHost;
  const secret = "Pr0xyS3cret-9f3a";
  const args = () => [...hostArgs(host), "--no-verify", "--no-nvidia", "--sudo-password-stdin"];

  beforeAll(async () => {
    host = await startHost("debian12", { user: "lab" });
    await plantUserState(host);
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("a wrong sudo password: one line, exit 3, nothing changed, the password nowhere", async () => {
    const snapshot = await host.exec(STATE_SNAPSHOT);
    const wrong = "not-the-password-7c1d";
    const result = await runCli([...args(), "--json"], { input: `${wrong}\n` });
    expect(result.code, explain(result)).toBe(3);
    expect(result.report?.hosts[0]?.error).toMatch(/^sudo rejected the password for lab on /);
    expect(result.stdout + result.stderr).not.toContain(wrong);
    expect((await host.exec(STATE_SNAPSHOT)).stdout).toBe(snapshot.stdout);
  });

  it("proxy credentials and the sudo password never appear in any command line, output or journal", async () => {
    const before = await userState(host);
    const password = host.password ?? "";
    // The login environment of every SSH session carries a proxy with credentials.
    await host.exec(
      `printf 'https_proxy=http://labuser:${secret}@127.0.0.1:3128\\nno_proxy=127.0.0.1,localhost\\n' >> /etc/environment`,
    );
    const watch = await watchProcesses(host);
    let sightings: Sighting[];
    let result: Awaited<ReturnType<typeof runCli>>;
    try {
      result = await runCli([...args(), "--json"], { input: `${password}\n` });
    } finally {
      sightings = await watch.stop();
    }
    expect(result.code, explain(result)).toBe(0);

    const aptRuns = sightings.filter((s) => /(^|\/)apt-get /.test(s.cmdline));
    expect(aptRuns.length).toBeGreaterThan(0); // the watcher saw the privileged commands
    // The credentials are in root's environment (apt needs the proxy), never on a command line.
    expect(sightings.filter((s) => s.cmdline.includes(secret))).toEqual([]);
    expect(aptRuns.some((s) => s.environ.some((e) => e.startsWith("https_proxy=")))).toBe(true);
    expect(sightingsOf(sightings, password)).toEqual([]);
    expect(result.stdout + result.stderr).not.toContain(secret);
    expect(result.stdout + result.stderr).not.toContain(password);
    const journal = await host.exec(
      "journalctl --no-pager -o cat 2>/dev/null; cat /var/log/auth.log 2>/dev/null",
    );
    expect(journal.stdout).toMatch(/sudo/); // sudo does log its commands there
    expect(journal.stdout).not.toContain(secret);
    expect(journal.stdout).not.toContain(password);
    await expectNothingLost(host, before);
    const again = await runCli([...args(), "--json"], { input: `${password}\n` });
    expect(again.code, explain(again)).toBe(0);
  });
});
