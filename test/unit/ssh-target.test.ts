import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.js";
import { formatSshTarget, parseSshTarget, sameHostKey } from "../../src/ssh/target.js";

describe("parseSshTarget", () => {
  it.each([
    ["gpu01", { host: "gpu01" }],
    ["noble", { host: "noble" }],
    ["ubuntu@gpu01", { user: "ubuntu", host: "gpu01" }],
    ["gpu01.lab.example:2222", { host: "gpu01.lab.example", port: 2222 }],
    ["root@10.0.0.5:22", { user: "root", host: "10.0.0.5", port: 22 }],
    ["deploy@[2001:db8::1]:2200", { user: "deploy", host: "2001:db8::1", port: 2200 }],
    ["[::1]", { host: "::1" }],
    ["::1", { host: "::1" }],
    ["fe80::1%eth0", { host: "fe80::1%eth0" }],
    ["a@b@host", { user: "a@b", host: "host" }],
    ["svc.ci-runner@host:65535", { user: "svc.ci-runner", host: "host", port: 65535 }],
  ])("parses %s", (value, expected) => {
    expect(parseSshTarget(value)).toEqual(expected);
  });

  it.each([
    ["", /empty/],
    ["  ", /whitespace/],
    ["user@ host", /whitespace/],
    ["@host", /no user name/],
    ["user@", /no host/],
    ["host:", /port "" is not a number/],
    ["host:0", /port 0 is not in 1\.\.65535/],
    ["host:65536", /port 65536 is not in 1\.\.65535/],
    ["host:22x", /not a number/],
    ["host:-1", /not a number/],
    ["[::1", /closing/],
    ["[::1]2222", /expected ":port"/],
    ["-oProxyCommand=x", /cannot start with '-'/],
    ["us:er@host", /not a valid user name/],
    ["host/name", /not a valid host name/],
  ])("rejects %j", (value, message) => {
    const attempt = () => parseSshTarget(value);
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow(message);
  });

  it("gives a one-line message that names the value and exits 2", () => {
    try {
      parseSshTarget("host:99999");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).exitCode).toBe(2);
      expect((error as Error).message).toBe(
        'Invalid --ssh value "host:99999": port 99999 is not in 1..65535',
      );
    }
  });
});

describe("formatSshTarget", () => {
  it.each([
    [{ user: "ops", host: "gpu01", port: 2222 }, "ops@gpu01:2222"],
    [{ host: "gpu01" }, "gpu01"],
    [{ user: "ops", host: "::1", port: 22 }, "ops@[::1]:22"],
    [{ user: "deploy", host: "2001:db8::1", port: 2200 }, "deploy@[2001:db8::1]:2200"],
    [{ host: "fe80::1%eth0" }, "[fe80::1%eth0]"],
  ])("writes %j as %s, which parses back to it", (target, text) => {
    expect(formatSshTarget(target)).toBe(text);
    expect(parseSshTarget(text)).toEqual(target);
  });
});

describe("sameHostKey", () => {
  const defaults = { user: "me", port: 22 };
  const key = (value: string) => sameHostKey(parseSshTarget(value), defaults);

  it.each([
    ["h", "h:22"],
    ["h", "me@h"],
    ["me@H:22", "h"],
    ["::1", "[::1]:22"],
    ["0:0::1", "me@[::1]"],
  ])("%s and %s reach the same host", (a, b) => {
    expect(key(a)).toBe(key(b));
  });

  it.each([
    ["h", "h:2222"],
    ["h", "other@h"],
    ["h", "h.lab"],
  ])("%s and %s do not", (a, b) => {
    expect(key(a)).not.toBe(key(b));
  });

  it("applies the defaults ssh_config gives for the host", () => {
    const target = parseSshTarget("h");
    expect(sameHostKey(target, { user: "admin", port: 2222 })).toBe(
      sameHostKey(parseSshTarget("admin@h:2222"), defaults),
    );
  });
});
