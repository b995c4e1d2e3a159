import { describe, expect, it } from "vitest";
import { Host } from "../../src/hosts/host.js";
import type { ExecOptions, ExecResult, Transport } from "../../src/hosts/transport.js";
import { type HostSession, unlockSudo } from "../../src/session.js";

/** sudo -S on a host whose password is `secret`: the first stdin line decides. */
class SudoTransport implements Transport {
  readonly kind = "ssh";
  readonly loginUser = "lab";
  tried: string[] = [];
  constructor(
    readonly target: string,
    private readonly secret: string,
  ) {}
  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    if (!command.startsWith("sudo -k -S")) return { code: 0, stdout: "", stderr: "" };
    const line = (options.stdin ?? "").split("\n")[0] ?? "";
    this.tried.push(line);
    return line === this.secret
      ? { code: 0, stdout: "", stderr: "" }
      : { code: 1, stdout: "", stderr: "Sorry, try again." };
  }
  async close(): Promise<void> {}
}

function session(target: string, secret: string): HostSession {
  const host = new Host(new SudoTransport(target, secret));
  return { host, facts: {} as HostSession["facts"], targetUser: "lab", packages: [] };
}

function asker(answers: (string | undefined)[]) {
  const asked: boolean[] = [];
  const ask = async (_login: string, retry: boolean) => {
    asked.push(retry);
    return answers.shift();
  };
  return { ask, asked };
}

describe("the sudo password", () => {
  it("gets two more tries after a wrong one, like sudo, and each is checked before anything runs", async () => {
    const a = session("lab@gpu-01", "right");
    const { ask, asked } = asker(["wrong", "also wrong", "right"]);
    const failures = await unlockSudo([a], ask, 3);
    expect(failures.size).toBe(0);
    expect(asked).toEqual([false, true, true]);
    // The last one is the probe, read again as root once sudo accepted the password.
    expect((a.host.transport as SudoTransport).tried).toEqual([
      "wrong",
      "also wrong",
      "right",
      "right",
    ]);
    expect(a.host.privilege).toEqual({ mode: "sudo-password", password: "right" });
  });

  it("stops after three wrong passwords and says so for the host", async () => {
    const a = session("lab@gpu-01", "right");
    const { ask } = asker(["1", "2", "3", "right"]);
    const failures = await unlockSudo([a], ask, 3);
    expect(String((failures.get(a) as Error).message)).toBe(
      "sudo rejected the password for lab on lab@gpu-01",
    );
    expect(a.host.privilege).toEqual({ mode: "none" });
  });

  it("fails at once with one try (--sudo-password-stdin, no terminal)", async () => {
    const a = session("lab@gpu-01", "right");
    const { ask, asked } = asker(["wrong", "right"]);
    const failures = await unlockSudo([a], ask, 1);
    expect(failures.has(a)).toBe(true);
    expect(asked).toEqual([false]);
  });

  it("asks again only for the hosts the last password did not open", async () => {
    const a = session("lab@gpu-01", "one");
    const b = session("lab@gpu-02", "two");
    const { ask } = asker(["one", "two"]);
    const failures = await unlockSudo([a, b], ask, 3);
    expect(failures.size).toBe(0);
    // Each host: the checks, then its probe read again as root.
    expect((a.host.transport as SudoTransport).tried).toEqual(["one", "one"]);
    expect((b.host.transport as SudoTransport).tried).toEqual(["one", "two", "two"]);
  });

  it("refuses every host when the password cannot be asked", async () => {
    const a = session("lab@gpu-01", "right");
    const failures = await unlockSudo([a], asker([undefined]).ask, 3);
    expect(String((failures.get(a) as Error).message)).toMatch(
      /^sudo on lab@gpu-01 needs a password: run in a terminal to be asked, or pass it on stdin/,
    );
  });
});
