import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  checkHostKey,
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
});

describe("knownHostsName", () => {
  it("uses the bare name on port 22 and [name]:port otherwise, lower-cased", () => {
    expect(knownHostsName("GPU01")).toBe("gpu01");
    expect(knownHostsName("gpu01", 22)).toBe("gpu01");
    expect(knownHostsName("::1", 2222)).toBe("[::1]:2222");
  });
});
