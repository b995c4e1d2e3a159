import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  armor,
  dearmor,
  findKey,
  formatFingerprint,
  isArmored,
  isExpired,
  isFingerprint,
  normalizeFingerprint,
  readPublicKey,
  splitKeys,
} from "../../src/pgp.js";

// Real keys made by gpg (test/fixtures/pgp/README.md): the fingerprints the parser must find are
// the ones gpg itself printed for them, in gpg-show-keys.txt.
const fixture = (name: string) => readFileSync(new URL(`../fixtures/pgp/${name}`, import.meta.url));

interface GpgFingerprints {
  primary: string;
  subkeys: string[];
}

/** `gpg --show-keys --with-colons` output, by the e-mail address of each key's user ID. */
function readGpgColons(text: string): Map<string, GpgFingerprints> {
  const keys = new Map<string, GpgFingerprints>();
  let current: GpgFingerprints = { primary: "", subkeys: [] };
  let previous = "";
  for (const fields of text.split("\n").map((line) => line.split(":"))) {
    const [record = "", , , , , , , , , value = ""] = fields;
    if (record === "pub") current = { primary: "", subkeys: [] };
    if (record === "fpr" && previous === "pub") current.primary = value;
    if (record === "fpr" && previous === "sub") current.subkeys.push(value);
    if (record === "uid") keys.set(/<(.+)>/.exec(value)?.[1] ?? value, current);
    previous = record;
  }
  return keys;
}

const GPG = readGpgColons(fixture("gpg-show-keys.txt").toString("utf8"));

interface TestKey extends GpgFingerprints {
  armored: Buffer;
  binary: Buffer;
}

function testKey(name: string, email: string): TestKey {
  const fingerprints = GPG.get(email);
  if (!fingerprints) throw new Error(`gpg-show-keys.txt has no key for ${email}`);
  return { ...fingerprints, armored: fixture(`${name}.asc`), binary: fixture(`${name}.gpg`) };
}

const genuine = testKey("genuine", "genuine@example.org");
const other = testKey("other", "other@example.org");
const expiredSubkey = testKey("expired-subkey", "old@example.org");
const expiredPrimary = testKey("expired-primary", "gone@example.org");

/** `gpg --export OTHER GENUINE`: one binary file, genuine first. */
const genuineAndOtherExport = fixture("genuine-and-other.gpg");
/** `gpg --armor --export OTHER GENUINE`: one armored block holding both keys. */
const genuineAndOtherArmored = fixture("genuine-and-other.asc");
/** The same export from a keyring that holds the other key first. */
const otherAndGenuineExport = fixture("other-and-genuine.gpg");
/** Two `gpg --armor --export` outputs, one after the other, as `cat a.asc b.asc` makes them. */
const concatenated = (...keys: TestKey[]) => Buffer.concat(keys.map((k) => k.armored));

describe("the fixtures", () => {
  it("hold what gpg printed for them", () => {
    expect(genuine.primary).toMatch(/^[0-9A-F]{40}$/);
    expect(genuine.subkeys).toHaveLength(1);
    expect(other.subkeys).toHaveLength(1);
    expect(genuineAndOtherExport.equals(Buffer.concat([genuine.binary, other.binary]))).toBe(true);
    expect(otherAndGenuineExport.equals(Buffer.concat([other.binary, genuine.binary]))).toBe(true);
  });
});

describe("readPublicKey on keys made by gpg", () => {
  it("finds gpg's primary fingerprint in the armored export", () => {
    expect(isArmored(genuine.armored)).toBe(true);
    expect(readPublicKey(genuine.armored).fingerprint).toBe(genuine.primary);
  });

  it("finds gpg's primary fingerprint in the binary export", () => {
    expect(isArmored(genuine.binary)).toBe(false);
    expect(readPublicKey(genuine.binary).fingerprint).toBe(genuine.primary);
  });

  it("lists the sub-keys with gpg's fingerprints", () => {
    const key = readPublicKey(genuine.binary);
    expect(key.subkeys.map((s) => s.fingerprint)).toEqual(genuine.subkeys);
    expect(key.subkeys[0]?.revoked).toBe(false);
  });

  it("reads only the first key of a file that holds two", () => {
    const key = readPublicKey(genuineAndOtherExport);
    expect(key.fingerprint).toBe(genuine.primary);
    expect(key.subkeys.map((s) => s.fingerprint)).toEqual(genuine.subkeys);
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
    expect(() => readPublicKey(genuine.binary.subarray(0, 100))).toThrow(
      "truncated OpenPGP packet",
    );
  });
});

describe("splitKeys", () => {
  it("finds the one key of a single export, its packets byte for byte", () => {
    for (const data of [genuine.binary, genuine.armored]) {
      const keys = splitKeys(data);
      expect(keys.map((k) => k.fingerprint)).toEqual([genuine.primary]);
      expect(keys[0]?.bytes.equals(genuine.binary)).toBe(true);
    }
  });

  it("splits gpg's binary export of two keys into each key's own export", () => {
    const keys = splitKeys(genuineAndOtherExport);
    expect(keys.map((k) => k.fingerprint)).toEqual([genuine.primary, other.primary]);
    expect(keys[0]?.bytes.equals(genuine.binary)).toBe(true);
    expect(keys[1]?.bytes.equals(other.binary)).toBe(true);
  });

  it("splits one armored block holding two keys", () => {
    expect(splitKeys(genuineAndOtherArmored).map((k) => k.fingerprint)).toEqual([
      genuine.primary,
      other.primary,
    ]);
  });

  it("reads every block of concatenated armored exports, in file order", () => {
    const keys = splitKeys(concatenated(other, genuine));
    expect(keys.map((k) => k.fingerprint)).toEqual([other.primary, genuine.primary]);
    expect(keys[1]?.bytes.equals(genuine.binary)).toBe(true);
  });

  it("finds no key in empty data", () => {
    expect(splitKeys(Buffer.alloc(0))).toEqual([]);
  });

  it("refuses data that does not start with a public key packet", () => {
    // A user ID packet (tag 13) on its own.
    expect(() => splitKeys(Buffer.from([0xcd, 0x01, 0x41]))).toThrow(
      "OpenPGP data does not start with a public key",
    );
  });

  it("refuses packets that have no place in a public key, such as a secret key", () => {
    // A secret-key packet (tag 5) after the genuine key: gpg would read it as a key of its own.
    const secretKeyPacket = Buffer.from([0xc5, 0x01, 0x04]);
    expect(() => splitKeys(Buffer.concat([genuine.binary, secretKeyPacket]))).toThrow(
      "unexpected OpenPGP packet (tag 5)",
    );
  });
});

describe("findKey", () => {
  function expectOnlyGenuine(data: Buffer, others: string[]) {
    const found = findKey(data, genuine.primary);
    expect(found).toEqual({ found: true, bytes: expect.any(Buffer), others });
    if (!found.found) return;
    expect(found.bytes.equals(genuine.binary)).toBe(true);
    // Read back by the splitter: exactly one key, gpg's fingerprints for it and its sub-key.
    expect(splitKeys(found.bytes).map((k) => k.fingerprint)).toEqual([genuine.primary]);
    const key = readPublicKey(found.bytes);
    expect(key.subkeys.map((s) => s.fingerprint)).toEqual(genuine.subkeys);
  }

  it("takes the genuine key alone out of genuine + other, armored exports concatenated", () => {
    expectOnlyGenuine(concatenated(genuine, other), [other.primary]);
  });

  it("takes the genuine key alone out of a single `gpg --export` of both keys", () => {
    expectOnlyGenuine(genuineAndOtherExport, [other.primary]);
    expectOnlyGenuine(genuineAndOtherArmored, [other.primary]);
  });

  it("finds the genuine key after another one", () => {
    expectOnlyGenuine(otherAndGenuineExport, [other.primary]);
    expectOnlyGenuine(concatenated(other, genuine), [other.primary]);
  });

  it("returns the genuine key alone unchanged, with no other keys", () => {
    expectOnlyGenuine(genuine.binary, []);
    expectOnlyGenuine(genuine.armored, []);
  });

  it("accepts the expected fingerprint in any of the usual spellings", () => {
    expect(findKey(genuine.binary, formatFingerprint(genuine.primary)).found).toBe(true);
    expect(findKey(genuine.binary, `0x${genuine.primary.toLowerCase()}`).found).toBe(true);
  });

  it("says the expected key is absent, and which keys were found", () => {
    expect(findKey(other.armored, genuine.primary)).toEqual({
      found: false,
      fingerprints: [other.primary],
    });
  });

  it("throws when the data holds no key at all", () => {
    expect(() => findKey(Buffer.alloc(0), genuine.primary)).toThrow("no OpenPGP public key found");
  });
});

describe("armor", () => {
  it("writes what gpg --armor --export writes for the same keys, byte for byte", () => {
    for (const key of [genuine, other, expiredSubkey, expiredPrimary]) {
      expect(armor(key.binary)).toBe(key.armored.toString("latin1"));
    }
    expect(armor(genuineAndOtherExport)).toBe(genuineAndOtherArmored.toString("latin1"));
  });

  it("ends the body with the CRC-24 of the data (0x21CF02 for '123456789', RFC 4880's check value)", () => {
    const lines = armor(Buffer.from("123456789")).split("\n");
    expect(lines.at(-3)).toBe(`=${Buffer.from([0x21, 0xcf, 0x02]).toString("base64")}`);
  });

  it("wraps the base64 body at 64 characters", () => {
    const text = armor(Buffer.alloc(200, 0xab));
    const body = text.split("\n").slice(2, -3);
    expect(body.map((line) => line.length)).toEqual([64, 64, 64, 64, 12]);
    expect(text.startsWith("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n")).toBe(true);
    expect(text.endsWith("\n-----END PGP PUBLIC KEY BLOCK-----\n")).toBe(true);
  });

  it("is undone by dearmor, for every length of data", () => {
    for (let length = 0; length <= 100; length++) {
      const data = Buffer.from(Array.from({ length }, (_, i) => (i * 37 + length) % 256));
      expect(dearmor(armor(data)).equals(data)).toBe(true);
    }
    expect(dearmor(armor(genuineAndOtherExport)).equals(genuineAndOtherExport)).toBe(true);
  });
});

describe("dearmor", () => {
  it("turns gpg's armored export into its binary export, byte for byte", () => {
    expect(dearmor(genuine.armored.toString("latin1")).equals(genuine.binary)).toBe(true);
    expect(dearmor(expiredSubkey.armored.toString("latin1")).equals(expiredSubkey.binary)).toBe(
      true,
    );
  });

  it("joins the blocks of concatenated armored exports", () => {
    const binary = dearmor(concatenated(genuine, other).toString("latin1"));
    expect(binary.equals(genuineAndOtherExport)).toBe(true);
  });

  it("skips armor headers", () => {
    const text = genuine.armored
      .toString("latin1")
      .replace(
        "-----BEGIN PGP PUBLIC KEY BLOCK-----\n",
        "-----BEGIN PGP PUBLIC KEY BLOCK-----\nComment: added by hand\n",
      );
    expect(text).toContain("Comment: added by hand");
    expect(dearmor(text).equals(genuine.binary)).toBe(true);
  });

  it("throws on text without an armored block", () => {
    expect(() => dearmor("just text")).toThrow("not an ASCII-armored OpenPGP public key");
  });
});

describe("isExpired", () => {
  it("is false for a key that does not expire", () => {
    expect(isExpired(readPublicKey(genuine.armored))).toBe(false);
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
    expect(formatFingerprint(genuine.primary)).toBe(
      (genuine.primary.match(/.{4}/g) ?? []).join(" "),
    );
  });
});

// Keys built packet by packet (RFC 4880 sections 4.2, 5.2.3, 5.5.2; RFC 9580 for v6). The parser
// reads keys, it does not check signatures, so these stand in for what the small gpg-made fixtures
// lack and real repository keys have: RSA-4096 packets (Docker's and NVIDIA's keys) longer than 191
// bytes, old-format packet headers (what gpg writes for them), several self-signatures and binding
// signatures (a key whose expiry was extended, sub-keys rotated), revoked sub-keys, v6 keys.
// Added for the mutants StrykerJS found surviving (TESTING.md).
describe("readPublicKey on keys as big, old and long-lived keys are written", () => {
  type Form = "new" | "new-5" | "old-2" | "old-4" | "old-indeterminate";
  const T0 = Date.UTC(2020, 0, 1) / 1000;
  const DAY = 86_400;

  const u16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  /** A packet with its header in the given form ("new": 1 or 2 length bytes, as the length needs). */
  function packet(tag: number, body: Buffer, form: Form = "new"): Buffer {
    const n = body.length;
    let header: Buffer;
    if (form === "new" && n < 192) header = Buffer.from([0xc0 | tag, n]);
    else if (form === "new")
      header = Buffer.from([0xc0 | tag, ((n - 192) >> 8) + 192, (n - 192) & 0xff]);
    else if (form === "new-5") header = Buffer.concat([Buffer.from([0xc0 | tag, 0xff]), u32(n)]);
    else if (form === "old-2")
      header = Buffer.concat([Buffer.from([0x80 | (tag << 2) | 1]), u16(n)]);
    else if (form === "old-4")
      header = Buffer.concat([Buffer.from([0x80 | (tag << 2) | 2]), u32(n)]);
    else header = Buffer.from([0x80 | (tag << 2) | 3]);
    return Buffer.concat([header, body]);
  }
  /** A v4 RSA key packet body with a `bits`-bit modulus (filled from `seed`). */
  function rsaKeyBody(created: number, seed: number, bits = 4096): Buffer {
    const modulus = Buffer.alloc(bits / 8, seed);
    modulus[0] = 0xc0 | seed;
    return Buffer.concat([
      Buffer.from([4]),
      u32(created),
      Buffer.from([1]),
      u16(bits),
      modulus,
      u16(17),
      Buffer.from([1, 0, 1]),
    ]);
  }
  const v4Fingerprint = (body: Buffer) =>
    createHash("sha1")
      .update(Buffer.from([0x99]))
      .update(u16(body.length))
      .update(body)
      .digest("hex")
      .toUpperCase();
  /** A signature subpacket, its length written in 1, 2 or 5 bytes. */
  function subpacket(type: number, data: Buffer, lengthBytes: 1 | 2 | 5 = 1): Buffer {
    const n = data.length + 1;
    const length =
      lengthBytes === 1
        ? Buffer.from([n])
        : lengthBytes === 2
          ? Buffer.from([((n - 192) >> 8) + 192, (n - 192) & 0xff])
          : Buffer.concat([Buffer.from([0xff]), u32(n)]);
    return Buffer.concat([length, Buffer.from([type]), data]);
  }
  /** A v4 signature of `type`, created at `created` (omitted when undefined), the key expiring after `expiresAfter` s. */
  function signature(
    type: number,
    created: number | undefined,
    expiresAfter?: number,
    extra: Buffer[] = [],
  ): Buffer {
    const hashed = Buffer.concat([
      ...extra,
      ...(created === undefined ? [] : [subpacket(2, u32(created))]),
      ...(expiresAfter === undefined ? [] : [subpacket(9, u32(expiresAfter))]),
    ]);
    const body = Buffer.concat([
      Buffer.from([4, type, 1, 8]),
      u16(hashed.length),
      hashed,
      u16(0),
      Buffer.from([0xab, 0xcd]),
      u16(8),
      Buffer.from([0x99]),
    ]);
    return packet(2, body);
  }
  const userId = packet(13, Buffer.from("Repository signing key <repo@example.org>"));
  const primaryBody = rsaKeyBody(T0, 0x11);
  const subkeyBody = rsaKeyBody(T0, 0x22);
  const secondSubkeyBody = rsaKeyBody(T0 + 10 * DAY, 0x33, 2048);
  const at = (seconds: number) => new Date(seconds * 1000);

  it.each<Form>(["new", "new-5", "old-2", "old-4"])(
    "reads an RSA-4096 key whose packets have %s headers, and keeps its bytes",
    (form) => {
      const key = Buffer.concat([
        packet(6, primaryBody, form),
        userId,
        signature(0x13, T0, 365 * DAY),
        packet(14, subkeyBody, form),
        signature(0x18, T0, 30 * DAY),
      ]);
      const read = readPublicKey(key);
      expect(read.fingerprint).toBe(v4Fingerprint(primaryBody));
      expect(read.createdAt).toEqual(at(T0));
      expect(read.expiresAt).toEqual(at(T0 + 365 * DAY));
      expect(read.subkeys).toEqual([
        {
          fingerprint: v4Fingerprint(subkeyBody),
          createdAt: at(T0),
          expiresAt: at(T0 + 30 * DAY),
          revoked: false,
        },
      ]);
      // Two keys in one file, the second ending in an old-format packet of indeterminate length.
      const second = Buffer.concat([
        packet(6, secondSubkeyBody, form),
        packet(13, Buffer.from("x"), "old-indeterminate"),
      ]);
      const split = splitKeys(Buffer.concat([key, second]));
      expect(split.map((k) => k.fingerprint)).toEqual([
        v4Fingerprint(primaryBody),
        v4Fingerprint(secondSubkeyBody),
      ]);
      expect(split[0]?.bytes.equals(key)).toBe(true);
      expect(split[1]?.bytes.equals(second)).toBe(true);
    },
  );

  it("refuses partial-length packets", () => {
    const partial = Buffer.concat([Buffer.from([0xc6, 0xe1]), primaryBody]);
    expect(() => readPublicKey(partial)).toThrow(
      "partial-length packets are not used in public keys",
    );
  });

  it("reads signature subpackets with 2- and 5-byte lengths", () => {
    const notation = (lengthBytes: 2 | 5) => subpacket(20, Buffer.alloc(300, 0x6e), lengthBytes);
    for (const lengthBytes of [2, 5] as const) {
      const key = Buffer.concat([
        packet(6, primaryBody),
        userId,
        signature(0x13, T0, 7 * DAY, [notation(lengthBytes)]),
      ]);
      expect(readPublicKey(key).expiresAt).toEqual(at(T0 + 7 * DAY));
    }
  });

  it("takes the key's expiry from its newest self-signature, wherever it stands in the file", () => {
    const older = signature(0x13, T0, DAY); // expired long ago
    const newer = signature(0x10, T0 + 100 * DAY); // extended: no expiry any more
    for (const sigs of [
      [older, newer],
      [newer, older],
    ]) {
      const key = readPublicKey(Buffer.concat([packet(6, primaryBody), userId, ...sigs]));
      expect(key.expiresAt).toBeUndefined();
      expect(isExpired(key)).toBe(false);
    }
    const shortened = signature(0x12, T0 + 200 * DAY, 300 * DAY);
    for (const sigs of [
      [newer, shortened],
      [shortened, newer],
    ]) {
      const key = readPublicKey(Buffer.concat([packet(6, primaryBody), userId, ...sigs]));
      expect(key.expiresAt).toEqual(at(T0 + 300 * DAY));
    }
  });

  it("reads no expiry from signatures that are not self-signatures", () => {
    const key = readPublicKey(
      Buffer.concat([
        packet(6, primaryBody),
        userId,
        signature(0x13, T0),
        signature(0x30, T0 + 5 * DAY, DAY), // a certification revocation
        packet(14, subkeyBody),
        signature(0x18, T0 + 6 * DAY, 2 * DAY), // a sub-key binding, after the sub-key
      ]),
    );
    expect(key.expiresAt).toBeUndefined();
    expect(key.subkeys[0]?.expiresAt).toEqual(at(T0 + 2 * DAY));
  });

  it("takes each sub-key's expiry from its own newest binding signature", () => {
    const key = readPublicKey(
      Buffer.concat([
        packet(6, primaryBody),
        userId,
        signature(0x13, T0),
        packet(14, subkeyBody),
        signature(0x18, T0 + 50 * DAY), // renewed: no expiry
        signature(0x18, T0, DAY), // the first binding, expired
        packet(14, secondSubkeyBody),
        signature(0x18, undefined, 20 * DAY), // no creation time: still this sub-key's binding
      ]),
    );
    expect(key.subkeys.map((s) => s.expiresAt)).toEqual([undefined, at(T0 + 30 * DAY)]);
    expect(isExpired(key, at(T0 + 40 * DAY))).toBe(false);
  });

  it("counts a revoked sub-key as unusable", () => {
    const revoked = Buffer.concat([
      packet(6, primaryBody),
      userId,
      signature(0x13, T0),
      packet(14, subkeyBody),
      signature(0x18, T0),
      signature(0x28, T0 + DAY),
    ]);
    const key = readPublicKey(revoked);
    expect(key.subkeys.map((s) => s.revoked)).toEqual([true]);
    expect(isExpired(key)).toBe(true);
    const withAnother = readPublicKey(
      Buffer.concat([revoked, packet(14, secondSubkeyBody), signature(0x18, T0 + 10 * DAY)]),
    );
    expect(withAnother.subkeys.map((s) => s.revoked)).toEqual([true, false]);
    expect(isExpired(withAnother)).toBe(false);
  });

  it("computes v6 and v5 fingerprints with SHA-256, and refuses other versions", () => {
    for (const [version, prefix] of [
      [6, 0x9b],
      [5, 0x9a],
    ] as const) {
      const body = Buffer.concat([
        Buffer.from([version]),
        u32(T0),
        Buffer.from([27]),
        u32(32),
        Buffer.alloc(32, 7),
      ]);
      const length = Buffer.alloc(4);
      length.writeUInt32BE(body.length);
      const expected = createHash("sha256")
        .update(Buffer.from([prefix]))
        .update(length)
        .update(body)
        .digest("hex")
        .toUpperCase();
      expect(readPublicKey(packet(6, body)).fingerprint).toBe(expected);
      expect(expected).toMatch(/^[0-9A-F]{64}$/);
    }
    const v3 = Buffer.concat([Buffer.from([3]), u32(T0), Buffer.alloc(20, 1)]);
    expect(() => readPublicKey(packet(6, v3))).toThrow("unsupported OpenPGP key version 3");
  });
});

describe("isExpired at the edges", () => {
  const primary = readPublicKey(expiredPrimary.binary); // expires 2020-01-02T00:00:00Z
  const subkey = readPublicKey(expiredSubkey.binary); // its sub-key expires 2020-01-02T00:00:00Z

  it("is false for a primary key whose expiry is still ahead, true from that moment on", () => {
    expect(isExpired(primary, new Date("2020-01-01T23:59:59Z"))).toBe(false);
    expect(isExpired(primary, new Date("2020-01-02T00:00:00Z"))).toBe(true);
  });

  it("is true from the moment the last sub-key expires", () => {
    expect(isExpired(subkey, new Date("2020-01-01T23:59:59Z"))).toBe(false);
    expect(isExpired(subkey, new Date("2020-01-02T00:00:00Z"))).toBe(true);
  });

  it("is false while one sub-key can still sign, and for a key without sub-keys", () => {
    const [expired] = subkey.subkeys;
    if (!expired) throw new Error("the fixture has a sub-key");
    const rotated = { ...subkey, subkeys: [expired, { ...expired, expiresAt: undefined }] };
    expect(isExpired(rotated)).toBe(false);
    expect(isExpired({ ...subkey, subkeys: [] })).toBe(false);
  });
});

describe("dearmor, leniently", () => {
  it("reads CRLF line ends, armor headers, and a blank line holding spaces", () => {
    const armored = genuine.armored.toString("latin1");
    const crlf = armored
      .replace(
        "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n",
        "-----BEGIN PGP PUBLIC KEY BLOCK-----\nVersion: GnuPG v1\n  \n",
      )
      .replaceAll("\n", "\r\n");
    expect(dearmor(crlf).equals(genuine.binary)).toBe(true);
  });

  it("takes 0x only as a prefix of a fingerprint", () => {
    const fpr = genuine.primary;
    expect(isFingerprint(`0x${fpr}`)).toBe(true);
    expect(isFingerprint(`${fpr.slice(0, 20)}0x${fpr.slice(20)}`)).toBe(false);
  });
});
