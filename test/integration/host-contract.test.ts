import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CommandError } from "../../src/errors.js";
import { gatherFacts } from "../../src/facts/gather.js";
import { resolveEndpoint } from "../../src/hosts/connect.js";
import { Host, type Privilege } from "../../src/hosts/host.js";
import { LocalTransport } from "../../src/hosts/local.js";
import { SshTransport } from "../../src/hosts/ssh.js";
import { startHost, type TestHost } from "./_helpers/testbed.js";

/** The same contract, against this machine (execa) and against a real sshd (node-ssh). */
interface Subject {
  name: string;
  open(): Promise<Host>;
  close(): Promise<void>;
}

const testHosts: TestHost[] = [];

async function sshHost(user: "ops" | "lab"): Promise<Host> {
  const host = await startHost("debian12", { user });
  testHosts.push(host);
  const endpoint = await resolveEndpoint(host.ssh, {
    identity: host.key,
    knownHosts: host.knownHosts,
    acceptNewHostKey: false,
  });
  const privilege: Privilege =
    user === "lab"
      ? { mode: "sudo-password", password: host.password ?? "" }
      : { mode: "sudo-nopasswd" };
  return new Host(await SshTransport.connect(endpoint), privilege);
}

const subjects: Subject[] = [
  {
    name: "local (execa)",
    open: async () => new Host(new LocalTransport(), { mode: "root" }),
    close: async () => {},
  },
  { name: "ssh as ops (passwordless sudo)", open: () => sshHost("ops"), close: async () => {} },
  { name: "ssh as lab (sudo with a password)", open: () => sshHost("lab"), close: async () => {} },
];

afterAll(async () => {
  await Promise.all(testHosts.map((h) => h.stop()));
});

describe.each(subjects)("host contract: $name", (subject) => {
  let host: Host;
  const dir = `/tmp/vla-contract-${process.pid}-${subject.name.replace(/\W+/g, "-")}`;
  beforeAll(async () => {
    host = await subject.open();
  });
  afterAll(async () => {
    await host?.run(`rm -rf ${dir}`, { privileged: true, check: false });
    await host?.close();
  });

  it("runs a command with stdin and returns its output and exit code", async () => {
    const result = await host.run("tr a-z A-Z; echo err >&2; exit 0", { stdin: "hello\n" });
    expect(result).toEqual({ code: 0, stdout: "HELLO\n", stderr: "err\n" });
    const failed = await host.run("echo out; echo 'what went wrong' >&2; exit 7", { check: false });
    expect(failed.code).toBe(7);
    await expect(host.run("exit 7", { label: "the failing step" })).rejects.toThrow(CommandError);
    await expect(host.run("echo 'what went wrong' >&2; exit 7", { label: "x" })).rejects.toThrow(
      /x exited with code 7:\nwhat went wrong/,
    );
  });

  it("runs privileged commands as root, with stdin", async () => {
    const result = await host.run("id -u; cat", { privileged: true, stdin: "payload\n" });
    expect(result.stdout).toBe("0\npayload\n");
  });

  it("streams output while the command runs", async () => {
    const chunks: string[] = [];
    await host.run("echo one; sleep 0.3; echo two", { onOutput: (c) => chunks.push(c) });
    expect(chunks.join("")).toBe("one\ntwo\n");
    expect(chunks.length).toBeGreaterThanOrEqual(2);
  });

  it("stops a command at its timeout", async () => {
    const started = Date.now();
    const result = await host.run("sleep 30", { timeoutMs: 1000, check: false });
    expect(result.code).toBe(124);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it("writes files atomically with owner and mode, text and binary, and reads them back", async () => {
    const path = `${dir}/sub/file.txt`;
    await host.writeFile(path, "first\n", { mode: "0600" });
    const inode = (
      await host.run(`stat -c '%i %a %U' ${path}`, { privileged: true })
    ).stdout.trim();
    expect(inode).toMatch(/^\d+ 600 root$/);
    await host.writeFile(path, "second\n", { mode: "0644" });
    const after = (
      await host.run(`stat -c '%i %a %U' ${path}; ls -A ${dir}/sub`, { privileged: true })
    ).stdout;
    expect(after).toMatch(/ 644 root\nfile\.txt\n$/);
    expect(after.split(" ")[0]).not.toBe(inode.split(" ")[0]);
    expect(await host.readFile(path, { privileged: true })).toBe("second\n");
    expect(await host.readFile(`${dir}/missing`, { privileged: true })).toBeUndefined();
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await host.writeFile(`${dir}/bin`, bytes, { mode: "0644" });
    const hex = (await host.run(`od -An -v -tx1 ${dir}/bin | tr -d ' \\n'`)).stdout;
    expect(hex).toBe(bytes.toString("hex"));
  });

  it("counts the commands it runs, and reads every fact in one of them", async () => {
    const before = host.commandCount;
    const facts = await gatherFacts(host, host.loginUser, ["dpkg"]);
    expect(host.commandCount - before).toBe(1);
    expect(facts.os.id).toBe("debian");
    expect(facts.os.codename).toBe("bookworm");
    expect(facts.packages.get("dpkg")?.installed).toBe(true);
  });

  it("keeps a sudo password out of what it shows, its errors and every command line", async () => {
    if (host.privilege.mode !== "sudo-password") return;
    const password = host.privilege.password;
    const shown: string[] = [];
    const result = await host.run(`echo "${password}"; echo "${password}" >&2`, {
      privileged: true,
      onOutput: (chunk) => shown.push(chunk),
    });
    expect(shown.join("")).not.toContain(password);
    expect(shown.join("")).toContain("[redacted]");
    // What a command prints is its data, returned as it came (a short password can occur inside
    // base64 by chance); everything shown is scrubbed, here and in the runner.
    expect(result.stdout).toBe(`${password}\n`);
    const error = await host
      .run(`echo "${password}" >&2; exit 3`, { privileged: true })
      .catch((e: Error) => e);
    expect(String((error as Error).message)).not.toContain(password);
    const argv = await host.run("ps -eo args", { privileged: true });
    expect(argv.stdout).not.toContain(password);
  });
});
