import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  dearmor,
  formatFingerprint,
  isArmored,
  isExpired,
  isFingerprint,
  normalizeFingerprint,
  readPublicKey,
} from "../../src/pgp.js";

// Real keys made by gpg in a throw-away GNUPGHOME: the fingerprints the parser must find are the
// ones gpg itself prints.
let home: string;

function gpg(args: string[]): Buffer {
  return execFileSync(
    "gpg",
    ["--batch", "--pinentry-mode", "loopback", "--passphrase", "", ...args],
    {
      env: { ...process.env, GNUPGHOME: home },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
}

/** `fpr` records of `gpg --with-colons --fingerprint --fingerprint`: the primary's, then each sub-key's. */
function gpgFingerprints(uid: string): string[] {
  return gpg(["--with-colons", "--fingerprint", "--fingerprint", uid])
    .toString("utf8")
    .split("\n")
    .filter((line) => line.startsWith("fpr:"))
    .map((line) => line.split(":")[9] ?? "");
}

interface TestKey {
  primary: string;
  subkeys: string[];
  armored: Buffer;
  binary: Buffer;
}

function exportKey(uid: string): TestKey {
  const [primary = "", ...subkeys] = gpgFingerprints(uid);
  return {
    primary,
    subkeys,
    armored: gpg(["--export", "--armor", primary]),
    binary: gpg(["--export", primary]),
  };
}

const OLD = "20200101T000000!";
let fresh: TestKey;
let expiredSubkey: TestKey;
let expiredPrimary: TestKey;

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), "vla-pgp-"));

  // A key that can sign with its primary, plus a signing sub-key valid for a day from now.
  gpg(["--quick-gen-key", "Fresh <fresh@example.org>", "rsa2048", "sign,cert", "0"]);
  const [freshPrimary = ""] = gpgFingerprints("fresh@example.org");
  gpg(["--quick-add-key", freshPrimary, "rsa2048", "sign", "1d"]);
  fresh = exportKey("fresh@example.org");

  // Made on 2020-01-01: a certify-only primary that never expires, whose only signing sub-key
  // expired on 2020-01-02.
  gpg([
    "--faked-system-time",
    OLD,
    "--quick-gen-key",
    "Old <old@example.org>",
    "rsa2048",
    "cert",
    "0",
  ]);
  const [oldPrimary = ""] = gpgFingerprints("old@example.org");
  gpg(["--faked-system-time", OLD, "--quick-add-key", oldPrimary, "rsa2048", "sign", "1d"]);
  expiredSubkey = exportKey("old@example.org");

  // Made on 2020-01-01 with a primary key that expired the next day.
  gpg([
    "--faked-system-time",
    OLD,
    "--quick-gen-key",
    "Gone <gone@example.org>",
    "rsa2048",
    "sign,cert",
    "1d",
  ]);
  expiredPrimary = exportKey("gone@example.org");
}, 120_000);

afterAll(() => {
  execFileSync("gpgconf", ["--kill", "gpg-agent"], { env: { ...process.env, GNUPGHOME: home } });
  rmSync(home, { recursive: true, force: true });
});

describe("readPublicKey on keys made by gpg", () => {
  it("finds gpg's primary fingerprint in the armored export", () => {
    expect(isArmored(fresh.armored)).toBe(true);
    expect(readPublicKey(fresh.armored).fingerprint).toBe(fresh.primary);
  });

  it("finds gpg's primary fingerprint in the binary export", () => {
    expect(isArmored(fresh.binary)).toBe(false);
    expect(readPublicKey(fresh.binary).fingerprint).toBe(fresh.primary);
  });

  it("lists the sub-keys with gpg's fingerprints", () => {
    expect(fresh.subkeys).toHaveLength(1);
    const key = readPublicKey(fresh.binary);
    expect(key.subkeys.map((s) => s.fingerprint)).toEqual(fresh.subkeys);
    expect(key.subkeys[0]?.revoked).toBe(false);
  });

  it("reads creation and expiry times from the packets and self-signatures", () => {
    const key = readPublicKey(expiredSubkey.binary);
    expect(key.fingerprint).toBe(expiredSubkey.primary);
    expect(key.createdAt.toISOString()).toBe("2020-01-01T00:00:00.000Z");
    expect(key.expiresAt).toBeUndefined();
    expect(key.subkeys).toEqual([
      {
        fingerprint: expiredSubkey.subkeys[0],
        createdAt: new Date("2020-01-01T00:00:00Z"),
        expiresAt: new Date("2020-01-02T00:00:00Z"),
        revoked: false,
      },
    ]);
  });

  it("throws on data that is not an OpenPGP key", () => {
    expect(() => readPublicKey(Buffer.from("hello, this is not a key\n"))).toThrow(
      "invalid OpenPGP packet header",
    );
    expect(() =>
      readPublicKey(
        Buffer.from("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n-----END PGP PUBLIC KEY BLOCK"),
      ),
    ).toThrow("not an ASCII-armored OpenPGP public key");
    expect(() => readPublicKey(Buffer.alloc(0))).toThrow("no OpenPGP public key found");
  });

  it("throws on a truncated key", () => {
    expect(() => readPublicKey(fresh.binary.subarray(0, 100))).toThrow("truncated OpenPGP packet");
  });
});

describe("dearmor", () => {
  it("turns gpg's armored export into its binary export, byte for byte", () => {
    expect(dearmor(fresh.armored.toString("latin1")).equals(fresh.binary)).toBe(true);
    expect(dearmor(expiredSubkey.armored.toString("latin1")).equals(expiredSubkey.binary)).toBe(
      true,
    );
  });

  it("skips armor headers", () => {
    const text = fresh.armored
      .toString("latin1")
      .replace(
        "-----BEGIN PGP PUBLIC KEY BLOCK-----\n",
        "-----BEGIN PGP PUBLIC KEY BLOCK-----\nComment: added by hand\n",
      );
    expect(text).toContain("Comment: added by hand");
    expect(dearmor(text).equals(fresh.binary)).toBe(true);
  });

  it("throws on text without an armored block", () => {
    expect(() => dearmor("just text")).toThrow("not an ASCII-armored OpenPGP public key");
  });
});

describe("isExpired", () => {
  it("is false for a fresh key", () => {
    expect(isExpired(readPublicKey(fresh.armored))).toBe(false);
  });

  it("is true when the only signing sub-key has expired", () => {
    expect(isExpired(readPublicKey(expiredSubkey.armored))).toBe(true);
  });

  it("was false while that sub-key was still valid", () => {
    expect(isExpired(readPublicKey(expiredSubkey.armored), new Date("2020-01-01T12:00:00Z"))).toBe(
      false,
    );
  });

  it("is true when the primary key has expired", () => {
    const key = readPublicKey(expiredPrimary.binary);
    expect(key.expiresAt).toEqual(new Date("2020-01-02T00:00:00Z"));
    expect(isExpired(key)).toBe(true);
  });
});

describe("fingerprints", () => {
  const DOCKER = "9DC858229FC7DD38854AE2D88D81803C0EBFCD88";

  it("normalizes the spaced and 0x forms", () => {
    expect(normalizeFingerprint("9DC8 5822 9FC7 DD38 854A E2D8 8D81 803C 0EBF CD88")).toBe(DOCKER);
    expect(normalizeFingerprint("0x9dc858229fc7dd38854ae2d88d81803c0ebfcd88")).toBe(DOCKER);
    expect(normalizeFingerprint("0X9DC858229FC7DD38854AE2D88D81803C0EBFCD88")).toBe(DOCKER);
  });

  it("accepts 40 and 64 hex digits only", () => {
    expect(isFingerprint("9DC8 5822 9FC7 DD38 854A E2D8 8D81 803C 0EBF CD88")).toBe(true);
    expect(isFingerprint("0x9dc858229fc7dd38854ae2d88d81803c0ebfcd88")).toBe(true);
    expect(isFingerprint("A".repeat(64))).toBe(true);
    expect(isFingerprint("0EBFCD88")).toBe(false);
    expect(isFingerprint(`${DOCKER}0`)).toBe(false);
    expect(isFingerprint("9DC858229FC7DD38854AE2D88D81803C0EBFCD8G")).toBe(false);
    expect(isFingerprint("")).toBe(false);
  });

  it("formats in groups of four", () => {
    expect(formatFingerprint("0x9dc858229fc7dd38854ae2d88d81803c0ebfcd88")).toBe(
      "9DC8 5822 9FC7 DD38 854A E2D8 8D81 803C 0EBF CD88",
    );
    expect(formatFingerprint(fresh.primary)).toBe((fresh.primary.match(/.{4}/g) ?? []).join(" "));
  });
});
