import { afterEach, describe, expect, it, vi } from "vitest";

// The test bed's scripts are plain JavaScript (zx): imported by path, typed here.
const { debianAptOptions } = (await import("../../scripts/testbed/debian-apt.mjs" as string)) as {
  debianAptOptions(): Promise<string[]>;
};
const { debianMirror } = (await import("../../scripts/testbed/proc.mjs" as string)) as {
  debianMirror(): string;
};

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("the test bed's Debian archive", () => {
  it("VLA_DEBIAN_MIRROR wins (a CI runner's repository variable)", () => {
    vi.stubEnv("VLA_DEBIAN_MIRROR", "http://mirror.example/debian");
    expect(debianMirror()).toBe("http://mirror.example/debian");
  });

  it("else the archive this Debian 12 machine's apt uses", () => {
    vi.stubEnv("VLA_DEBIAN_MIRROR", "");
    expect(debianMirror()).toMatch(/^https?:\/\/\S+$/);
  });

  it("on Debian 12 itself, apt needs no options of the test bed's own", async () => {
    expect(await debianAptOptions()).toEqual([]);
  });
});
