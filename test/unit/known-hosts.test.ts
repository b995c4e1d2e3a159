import { execFileSync } from "node:child_process";
import { createHmac, generateKeyPairSync } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type ConnectOptions, resolveEndpoint } from "../../src/hosts/connect.js";
import {
  checkHostKey,
  checkHostKeyInFiles,
  fingerprintSha256,
  formatKnownHostsLine,
  knownHostsName,
  knownKeyTypes,
} from "../../src/ssh/known-hosts.js";

interface PublicKey {
  type: string;
  blob: string;
  /** What `ssh-keygen -l -E sha256` prints for it. */
  fingerprint: string;
}

const hasSshKeygen = (() => {
  try {
    execFileSync("sh", ["-c", "command -v ssh-keygen"], { stdio: "ignore" });
    return true;
  } catch {
    if (process.env.CI) throw new Error("ssh-keygen is not installed (openssh-client)");
    return false;
  }
})();

const sshKeygen = (args: string[]) =>
  execFileSync("ssh-keygen", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

describe.skipIf(!hasSshKeygen)("known_hosts, checked against ssh-keygen's own output", () => {
  let dir: string;
  const keys: Record<string, PublicKey> = {};
  let plain: string;
  let hashed: string;

  async function generate(name: string, type: string) {
    const file = join(dir, name);
    sshKeygen(["-q", "-t", type, "-N", "", "-C", name, "-f", file]);
    const [keyType, blob] = (await readFile(`${file}.pub`, "utf8")).split(" ");
    const fingerprint = sshKeygen(["-l", "-E", "sha256", "-f", `${file}.pub`]).split(" ")[1];
    keys[name] = {
      type: keyType as string,
      blob: blob as string,
      fingerprint: fingerprint as string,
    };
  }
  const key = (name: string) => keys[name] as PublicKey;
  const entry = (hosts: string, name: string) => `${hosts} ${key(name).type} ${key(name).blob}`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "known-hosts-"));
    await generate("gpu01", "ed25519");
    await generate("gpu01-new", "ed25519");
    await generate("vm", "ed25519");
    await generate("rack", "ecdsa");
    await generate("rsa", "rsa");
    await generate("stolen", "ed25519");
    await generate("ca", "ed25519");
    plain = [
      "# lab hosts",
      entry("gpu01,192.0.2.1", "gpu01"), // line 2
      entry("[127.0.0.1]:2222", "vm"), // line 3
      entry("10.0.0.*,!10.0.0.13", "rack"), // line 4
      entry("rsa-host", "rsa"), // line 5
      `@revoked * ${key("stolen").type} ${key("stolen").blob}`, // line 6
      `@cert-authority *.lab ${key("ca").type} ${key("ca").blob}`, // line 7
      entry("stolen-host", "stolen"), // line 8
      "# ssh-keygen -H refuses a file with malformed lines: see the test of those below",
      entry("Mixed.Case.Host", "gpu01"), // line 10
      "",
    ].join("\n");
    const file = join(dir, "known_hosts");
    await writeFile(file, plain);
    sshKeygen(["-H", "-f", file]);
    hashed = await readFile(file, "utf8");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("ssh-keygen -H really hashed the names", () => {
    expect(hashed).toMatch(/^\|1\|[A-Za-z0-9+/=]+\|[A-Za-z0-9+/=]+ ssh-ed25519 /m);
    expect(hashed).not.toContain("gpu01");
  });

  describe.each([
    ["plain", () => plain],
    ["hashed", () => hashed],
  ])("%s entries", (_kind, text) => {
    const check = (host: string, port: number, name: string) =>
      checkHostKey(text(), host, port, key(name).type, key(name).blob);

    it("matches a host's own key, by name, address, and [host]:port", () => {
      expect(check("gpu01", 22, "gpu01").status).toBe("match");
      expect(check("192.0.2.1", 22, "gpu01").status).toBe("match");
      expect(check("127.0.0.1", 2222, "vm").status).toBe("match");
      expect(check("rsa-host", 22, "rsa").status).toBe("match");
      expect(check("mixed.case.host", 22, "gpu01").status).toBe("match");
      expect(check("MIXED.case.HOST", 22, "gpu01").status).toBe("match");
    });

    it("reports a changed key with the fingerprints on record", () => {
      // ssh-keygen -H splits "gpu01,192.0.2.1" in two lines: line numbers differ between files.
      expect(check("gpu01", 22, "gpu01-new")).toMatchObject({
        status: "changed",
        expected: [key("gpu01").fingerprint],
      });
    });

    it("does not take a host on another port for the same host", () => {
      expect(check("gpu01", 2222, "gpu01").status).toBe("unknown");
      expect(check("127.0.0.1", 22, "vm").status).toBe("unknown");
      expect(check("127.0.0.1", 2200, "vm").status).toBe("unknown");
    });

    it("knows nothing of a host it has no entry for, nor of a key type it has none of", () => {
      expect(check("gpu02", 22, "gpu01").status).toBe("unknown");
      expect(check("gpu01", 22, "rsa").status).toBe("unknown");
    });

    it("refuses a revoked key even where a plain entry lists it", () => {
      expect(check("stolen-host", 22, "stolen").status).toBe("revoked");
      expect(check("anywhere", 2222, "stolen").status).toBe("revoked");
    });

    it("does not take a @cert-authority key for a host key", () => {
      expect(check("node.lab", 22, "ca").status).toBe("unknown");
    });

    it("lists the key types on record for a host, markers left out", () => {
      expect(knownKeyTypes(text(), "gpu01")).toEqual(["ssh-ed25519"]);
      expect(knownKeyTypes(text(), "rsa-host", 22)).toEqual(["ssh-rsa"]);
      expect(knownKeyTypes(text(), "127.0.0.1", 2222)).toEqual(["ssh-ed25519"]);
      expect(knownKeyTypes(text(), "127.0.0.1")).toEqual([]);
      expect(knownKeyTypes(text(), "node.lab")).toEqual([]);
    });
  });

  it("reports the line of a changed key and skips malformed lines", () => {
    const text = [
      "not a known_hosts line",
      `gpu01 ssh-ed25519 ${key("gpu01").blob.slice(0, 20)}`,
      `gpu01 ssh-rsa ${key("gpu01").blob}`,
      `@unknown-marker gpu01 ${key("gpu01").type} ${key("gpu01").blob}`,
      entry("gpu01", "gpu01"),
    ].join("\n");
    expect(checkHostKey(text, "gpu01", 22, key("gpu01-new").type, key("gpu01-new").blob)).toEqual({
      status: "changed",
      expected: [key("gpu01").fingerprint],
      lines: [5],
    });
  });

  // Wildcards and negations are left as they are by ssh-keygen -H: only the plain file holds them.
  it("honours wildcard patterns and negation", () => {
    const check = (host: string) =>
      checkHostKey(plain, host, 22, key("rack").type, key("rack").blob);
    expect(check("10.0.0.12").status).toBe("match");
    expect(check("10.0.0.13").status).toBe("unknown");
    expect(check("10.0.1.12").status).toBe("unknown");
  });

  it("names the @revoked line", () => {
    const stolen = key("stolen");
    expect(checkHostKey(plain, "stolen-host", 22, stolen.type, stolen.blob)).toEqual({
      status: "revoked",
      line: 6,
    });
  });

  it.each([
    ["gpu01", 22, "gpu01"],
    ["192.0.2.1", 22, "gpu01"],
    ["127.0.0.1", 2222, "vm"],
    ["rsa-host", 22, "rsa"],
  ])("finds %s:%s on the line ssh-keygen -F finds", (host, port, name) => {
    for (const text of [plain, hashed]) {
      const result = checkHostKey(text, host, port, key(name).type, key(name).blob);
      const file = join(dir, "lookup");
      execFileSync("sh", ["-c", 'cat > "$0"', file], { input: text });
      const found = sshKeygen(["-F", knownHostsName(host, port), "-f", file]);
      const line = /found: line (\d+)/.exec(found)?.[1];
      expect(result).toEqual({ status: "match", line: Number(line) });
    }
  });

  it("prints fingerprints as ssh-keygen -l -E sha256 does", () => {
    for (const name of ["gpu01", "rack", "rsa"]) {
      expect(fingerprintSha256(key(name).blob)).toBe(key(name).fingerprint);
      expect(fingerprintSha256(Buffer.from(key(name).blob, "base64"))).toBe(key(name).fingerprint);
    }
  });

  it("records a new key in the plain [host]:port form OpenSSH reads back", async () => {
    const file = join(dir, "recorded");
    const lines = [
      formatKnownHostsLine("127.0.0.1", 2201, key("vm").type, key("vm").blob),
      formatKnownHostsLine(
        "Gpu01.Lab",
        22,
        key("gpu01").type,
        Buffer.from(key("gpu01").blob, "base64"),
      ),
    ];
    expect(lines[0]).toBe(`[127.0.0.1]:2201 ssh-ed25519 ${key("vm").blob}`);
    expect(lines[1]).toBe(`gpu01.lab ssh-ed25519 ${key("gpu01").blob}`);
    await writeFile(file, `${lines.join("\n")}\n`);
    expect(sshKeygen(["-F", "[127.0.0.1]:2201", "-f", file])).toContain("found: line 1");
    expect(sshKeygen(["-F", "gpu01.lab", "-f", file])).toContain("found: line 2");
    const text = await readFile(file, "utf8");
    expect(checkHostKey(text, "127.0.0.1", 2201, "ssh-ed25519", key("vm").blob).status).toBe(
      "match",
    );
  });

  it("records a new key hashed, as ssh(1) does with HashKnownHosts yes", async () => {
    const vm = key("vm");
    const line = formatKnownHostsLine("127.0.0.1", 2201, vm.type, vm.blob, { hash: true });
    expect(line).toMatch(/^\|1\|[A-Za-z0-9+/]{27}=\|[A-Za-z0-9+/]{27}= ssh-ed25519 \S+$/);
    expect(line).not.toContain("127.0.0.1");
    const [salt, hash] = (line.split(" ")[0] as string).split("|").slice(2);
    const expected = createHmac("sha1", Buffer.from(salt as string, "base64"))
      .update("[127.0.0.1]:2201")
      .digest("base64");
    expect(hash).toBe(expected);
    expect(line.endsWith(` ${vm.type} ${vm.blob}`)).toBe(true);
    expect(checkHostKey(line, "127.0.0.1", 2201, vm.type, vm.blob)).toEqual({
      status: "match",
      line: 1,
    });
    expect(checkHostKey(line, "127.0.0.1", 22, vm.type, vm.blob).status).toBe("unknown");
    const file = join(dir, "recorded-hashed");
    await writeFile(file, `${line}\n`);
    expect(sshKeygen(["-F", "[127.0.0.1]:2201", "-f", file])).toContain("found: line 1");
    // A fresh salt for every line, as ssh(1) draws.
    expect(formatKnownHostsLine("127.0.0.1", 2201, vm.type, vm.blob, { hash: true })).not.toBe(
      line,
    );
  });
});

/** An ssh-ed25519 public key blob, made without ssh-keygen. */
function ed25519Blob(): Buffer {
  const jwk = generateKeyPairSync("ed25519").publicKey.export({ format: "jwk" });
  const sshString = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    return Buffer.concat([length, bytes]);
  };
  return Buffer.concat([
    sshString(Buffer.from("ssh-ed25519")),
    sshString(Buffer.from(jwk.x as string, "base64url")),
  ]);
}

const old = ed25519Blob();
const current = ed25519Blob();
const otherHosts = ed25519Blob();
const entryLine = (hosts: string, blob: Buffer) =>
  `${hosts} ssh-ed25519 ${blob.toString("base64")}`;

describe("checkHostKeyInFiles", () => {
  const check = (files: Array<{ path: string; text: string }>) =>
    checkHostKeyInFiles(files, "gpu01", 22, "ssh-ed25519", current.toString("base64"));

  it("names the file and line that hold the key", () => {
    const files = [
      { path: "/u/known_hosts", text: entryLine("other", otherHosts) },
      { path: "/etc/ssh/ssh_known_hosts", text: `# lab\n${entryLine("gpu01", current)}\n` },
    ];
    expect(check(files)).toEqual({ status: "match", file: "/etc/ssh/ssh_known_hosts", line: 2 });
  });

  it("names every file and line that records another key", () => {
    const files = [
      { path: "/u/known_hosts", text: entryLine("other", otherHosts) },
      { path: "/u/known_hosts2", text: `\n\n${entryLine("gpu01", old)}` },
      { path: "/etc/ssh/ssh_known_hosts", text: entryLine("gpu01,gpu01.lab", otherHosts) },
    ];
    expect(check(files)).toEqual({
      status: "changed",
      records: [
        { file: "/u/known_hosts2", line: 3, fingerprint: fingerprintSha256(old) },
        { file: "/etc/ssh/ssh_known_hosts", line: 1, fingerprint: fingerprintSha256(otherHosts) },
      ],
    });
  });

  it("refuses a key revoked in any file, and knows nothing without entries", () => {
    const revoked = `@revoked * ssh-ed25519 ${current.toString("base64")}`;
    const files = [
      { path: "/u/known_hosts", text: entryLine("gpu01", current) },
      { path: "/etc/ssh/ssh_known_hosts", text: `# lab\n${revoked}` },
    ];
    expect(check(files)).toEqual({ status: "revoked", file: "/etc/ssh/ssh_known_hosts", line: 2 });
    expect(check([{ path: "/u/known_hosts", text: entryLine("other", old) }])).toEqual({
      status: "unknown",
    });
    expect(check([])).toEqual({ status: "unknown" });
  });
});

describe("resolveEndpoint: the known_hosts files it reads and writes", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "connect-known-hosts-"));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  /** A fresh directory holding these files; returns the path of a name in it. */
  async function scratch(files: Record<string, string>): Promise<(name: string) => string> {
    const dir = await mkdtemp(join(root, "case-"));
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    return (name) => join(dir, name);
  }

  async function presentKey(
    at: (name: string) => string,
    blob: Buffer,
    options: Partial<ConnectOptions> = {},
  ) {
    const endpoint = await resolveEndpoint("gpu01", {
      sshConfig: at("config"),
      acceptNewHostKey: false,
      globalKnownHostsFiles: [at("global")],
      ...options,
    });
    return endpoint.verifyHostKey("ssh-ed25519", blob);
  }

  const userFileConfig = (at: (name: string) => string) =>
    `Host *\n  UserKnownHostsFile ${at("user")}\n`;

  it("accepts a key recorded only in a global known_hosts file", async () => {
    const at = await scratch({ global: `${entryLine("gpu01", current)}\n` });
    await writeFile(at("config"), userFileConfig(at));
    expect(await presentKey(at, current)).toEqual({ accept: true });
    expect(existsSync(at("user"))).toBe(false);
  });

  it("refuses a key that differs from a global file's, naming that file and line", async () => {
    const at = await scratch({ global: `# lab\n${entryLine("gpu01", old)}\n` });
    await writeFile(at("config"), userFileConfig(at));
    const verdict = await presentKey(at, current);
    expect(verdict.accept).toBe(false);
    expect(verdict.refusal).toContain("HOST KEY CHANGED for gpu01");
    expect(verdict.refusal).toContain(`${at("global")} (line 2) records ${fingerprintSha256(old)}`);
    expect(verdict.refusal).not.toContain(at("user"));
  });

  it("refuses a key revoked in a global file, naming it", async () => {
    const at = await scratch({ global: `@revoked * ssh-ed25519 ${current.toString("base64")}\n` });
    await writeFile(at("config"), userFileConfig(at));
    const verdict = await presentKey(at, current, { acceptNewHostKey: true });
    expect(verdict.accept).toBe(false);
    expect(verdict.refusal).toContain(`marked @revoked in ${at("global")} (line 1)`);
  });

  it("keeps consulting the global files when --known-hosts names the user's file", async () => {
    const at = await scratch({ config: "", mine: "", global: `${entryLine("gpu01", old)}\n` });
    const verdict = await presentKey(at, current, { knownHosts: at("mine") });
    expect(verdict.accept).toBe(false);
    expect(verdict.refusal).toContain(`${at("global")} (line 1)`);
    expect(await presentKey(at, old, { knownHosts: at("mine") })).toEqual({ accept: true });
  });

  it("names the user file that holds a changed key, not the first one", async () => {
    const at = await scratch({
      first: `${entryLine("other", otherHosts)}\n`,
      second: `# moved here\n\n${entryLine("gpu01", old)}\n`,
    });
    await writeFile(at("config"), `UserKnownHostsFile ${at("first")} ${at("second")}\n`);
    const verdict = await presentKey(at, current);
    expect(verdict.refusal).toContain(`${at("second")} (line 3) records ${fingerprintSha256(old)}`);
    expect(verdict.refusal).not.toContain(at("first"));
  });

  it("records a new key in the first user file only, never in a global one", async () => {
    const globalText = `${entryLine("other", otherHosts)}\n`;
    const at = await scratch({ global: globalText });
    await writeFile(at("config"), `UserKnownHostsFile ${at("first")} ${at("second")}\n`);
    expect(await presentKey(at, current, { acceptNewHostKey: true })).toEqual({ accept: true });
    await vi.waitFor(async () => {
      expect(await readFile(at("first"), "utf8").catch(() => "")).toBe(
        `${entryLine("gpu01", current)}\n`,
      );
    });
    expect(await readFile(at("global"), "utf8")).toBe(globalText);
    expect(existsSync(at("second"))).toBe(false);
  });

  it("records a new key hashed when ssh_config says HashKnownHosts yes", async () => {
    const at = await scratch({});
    await writeFile(
      at("config"),
      `Host gpu01\n  HashKnownHosts yes\n  Port 2222\n  UserKnownHostsFile ${at("user")}\n`,
    );
    expect(await presentKey(at, current, { acceptNewHostKey: true })).toEqual({ accept: true });
    const text = await vi.waitFor(async () => {
      const written = await readFile(at("user"), "utf8");
      expect(written).not.toBe("");
      return written;
    });
    expect(text).toMatch(/^\|1\|[A-Za-z0-9+/]{27}=\|[A-Za-z0-9+/]{27}= ssh-ed25519 \S+\n$/);
    expect(text).not.toContain("gpu01");
    const base64 = current.toString("base64");
    expect(checkHostKey(text, "gpu01", 2222, "ssh-ed25519", base64).status).toBe("match");
  });

  it("reads the GlobalKnownHostsFile ssh_config names instead of the default", async () => {
    const at = await scratch({
      global: `${entryLine("gpu01", old)}\n`,
      lab_global: `${entryLine("gpu01", current)}\n`,
    });
    await writeFile(
      at("config"),
      `${userFileConfig(at)}  GlobalKnownHostsFile ${at("lab_global")}\n`,
    );
    expect(await presentKey(at, current)).toEqual({ accept: true });
  });
});

describe("knownHostsName", () => {
  it("uses the bare name on port 22 and [name]:port otherwise, lower-cased", () => {
    expect(knownHostsName("GPU01")).toBe("gpu01");
    expect(knownHostsName("gpu01", 22)).toBe("gpu01");
    expect(knownHostsName("::1", 2222)).toBe("[::1]:2222");
  });
});
