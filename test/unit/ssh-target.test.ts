import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.js";
import { parseSshTarget } from "../../src/ssh/target.js";

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
