import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CommandError } from "../../src/errors.js";
import { Host, urlSecrets } from "../../src/hosts/host.js";
import { LocalTransport } from "../../src/hosts/local.js";

// A real shell on this machine (run as root here): no transport is faked.

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "vla-host-"));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const rootHost = () => new Host(new LocalTransport(), { mode: "root" });

describe("Host.run", () => {
  it("passes stdin and returns the output unchanged", async () => {
    const result = await rootHost().run("tr a-z A-Z; echo err >&2", { stdin: "hello\nworld\n" });
    expect(result).toEqual({ code: 0, stdout: "HELLO\nWORLD\n", stderr: "err\n" });
  });

  it("throws CommandError with the code, the output and a readable message", async () => {
    const error = await rootHost()
      .run("echo out; echo 'E: Unable to locate package nope' >&2; exit 100", {
        label: "apt-get install nope",
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    const failure = error as CommandError;
    expect(failure.code).toBe(100);
    expect(failure.label).toBe("apt-get install nope");
    expect(failure.stdout).toBe("out\n");
    expect(failure.stderr).toBe("E: Unable to locate package nope\n");
    expect(failure.message).toBe(
      "apt-get install nope exited with code 100 (apt/dpkg error): E: Unable to locate package nope",
    );
  });

  it("names the command by its first line when there is no label", async () => {
    // No stderr: the message ends with the stdout lines.
    await expect(rootHost().run("echo working\nexit 3")).rejects.toThrow(
      "echo working exited with code 3:\nworking",
    );
  });

  it("returns a non-zero exit with check: false", async () => {
    const result = await rootHost().run("echo partial; exit 7", { check: false });
    expect(result).toEqual({ code: 7, stdout: "partial\n", stderr: "" });
  });

  it("kills a command at timeoutMs with exit code 124", async () => {
    const started = Date.now();
    const result = await rootHost().run("sleep 30", { timeoutMs: 1000, check: false });
    expect(result.code).toBe(124);
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 20_000);

  it("quotes the script: quotes, $ and newlines reach sh as written", async () => {
    const result = await rootHost().run("x='a b'; printf '%s|%s\\n' \"$x\" '$HOME'", {
      privileged: true,
    });
    expect(result.stdout).toBe("a b|$HOME\n");
  });

  it("refuses a privileged command without privilege, before running anything", async () => {
    const host = new Host(new LocalTransport(), { mode: "none" });
    await expect(host.run("id -u", { privileged: true, label: "whoami" })).rejects.toThrow(
      "whoami exited with code 1 (general error):\nno root privilege on this host",
    );
    expect(host.commandCount).toBe(0);
  });

  it("counts the commands it runs", async () => {
    const host = rootHost();
    await host.run("true");
    await host.run("false", { check: false });
    await host.writeFile(join(dir, "f"), "x", { mode: "0644" });
    await host.readFile(join(dir, "f"));
    expect(host.commandCount).toBe(4);
  });
});

describe("Host.writeFile and readFile", () => {
  it("writes text with the given mode and owner, creating the folder", async () => {
    const path = join(dir, "etc", "docker", "daemon.json");
    await rootHost().writeFile(path, '{\n  "runtimes": {}\n}\n', { mode: "0640" });
    expect(readFileSync(path, "utf8")).toBe('{\n  "runtimes": {}\n}\n');
    const stat = statSync(path);
    expect(stat.mode & 0o777).toBe(0o640);
    expect(stat.uid).toBe(0);
    expect(stat.gid).toBe(0);
  });

  it("replaces the file by rename and leaves no temporary file", async () => {
    const path = join(dir, "docker.sources");
    writeFileSync(path, "old\n");
    const before = statSync(path).ino;
    await rootHost().writeFile(path, "new\n", { mode: "0644" });
    expect(readFileSync(path, "utf8")).toBe("new\n");
    // A new inode: readers see the old file or the new one, never a half-written one.
    expect(statSync(path).ino).not.toBe(before);
    expect(readdirSync(dir)).toEqual(["docker.sources"]);
  });

  it("leaves the old file and no temporary file when the write fails", async () => {
    const path = join(dir, "docker.sources");
    writeFileSync(path, "old\n");
    await expect(
      rootHost().writeFile(path, "new\n", { mode: "0644", owner: "no-such-user-here" }),
    ).rejects.toThrow(CommandError);
    expect(readFileSync(path, "utf8")).toBe("old\n");
    expect(readdirSync(dir)).toEqual(["docker.sources"]);
  });

  it("round-trips binary content byte for byte", async () => {
    const path = join(dir, "docker.gpg");
    const bytes = Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 7 + 3) % 256));
    await rootHost().writeFile(path, bytes, { mode: "0644" });
    expect(readFileSync(path).equals(bytes)).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o644);
  });

  it("reads a file back, and gives undefined for a missing one", async () => {
    const host = rootHost();
    await host.writeFile(join(dir, "a"), "line 1\nline 2\n", { mode: "0600" });
    expect(await host.readFile(join(dir, "a"))).toBe("line 1\nline 2\n");
    expect(await host.readFile(join(dir, "missing"))).toBeUndefined();
  });

  it("throws for a path it cannot read", async () => {
    await expect(rootHost().readFile(dir)).rejects.toThrow(`read ${dir} exited with code 1`);
  });
});

describe("a host with a sudo password", () => {
  const PASSWORD = "s3cret-pw";
  const sudoHost = () =>
    new Host(new LocalTransport(), { mode: "sudo-password", password: PASSWORD });
  const sudoInstalled = (() => {
    try {
      execFileSync("sh", ["-c", "command -v sudo"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(sudoInstalled)("fails without sudo and shows the password nowhere", async () => {
    const error = await sudoHost()
      .run("id -u", { privileged: true, label: "whoami" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    const failure = error as CommandError;
    expect(failure.code).toBe(127);
    expect(failure.message).toMatch(/^whoami exited with code 127 \(command not found\):\n.*sudo/);
    for (const text of [failure.message, failure.stdout, failure.stderr]) {
      expect(text).not.toContain(PASSWORD);
    }
  });

  it("scrubs the password from what it streams; the result is the command's data as it came", async () => {
    const host = sudoHost();
    const shown: string[] = [];
    const result = await host.run(`cat; echo "${PASSWORD}" >&2`, {
      stdin: `pw=${PASSWORD}\n`,
      onOutput: (chunk) => shown.push(chunk),
    });
    expect(shown.join("")).not.toContain(PASSWORD);
    expect(shown.join("")).toContain("[redacted]");
    // A short secret can occur inside base64 by chance: data must come back unchanged.
    expect(result).toEqual({ code: 0, stdout: `pw=${PASSWORD}\n`, stderr: `${PASSWORD}\n` });
  });

  it("scrubs the password from a failed command's error", async () => {
    const error = await sudoHost()
      .run(`echo "bad ${PASSWORD}" >&2; exit 1`, { label: "login" })
      .catch((e: unknown) => e);
    expect((error as CommandError).message).toBe(
      "login exited with code 1 (general error):\nbad [redacted]",
    );
  });

  it("scrub replaces every occurrence, and only in sudo-password mode", () => {
    expect(sudoHost().scrub(`a ${PASSWORD} b ${PASSWORD}`)).toBe("a [redacted] b [redacted]");
    expect(rootHost().scrub(`a ${PASSWORD}`)).toBe(`a ${PASSWORD}`);
  });
});

describe("the login user's proxy settings on privileged commands", () => {
  const secret = "s3cret-proxy";
  const proxied = () => {
    const host = new Host(new LocalTransport(), { mode: "sudo-nopasswd" });
    host.privilegedEnv = {
      https_proxy: `http://labuser:${secret}@127.0.0.1:3128`,
      no_proxy: "127.0.0.1,localhost",
    };
    return host;
  };

  it("travel on stdin, never on the command line", async () => {
    const sent: { command: string; stdin?: string }[] = [];
    const host = proxied();
    const transport = host.transport as LocalTransport;
    const exec = transport.exec.bind(transport);
    transport.exec = async (command, options) => {
      sent.push({ command, stdin: options?.stdin });
      return exec("true", {});
    };
    await host.run("apt-get update", { privileged: true, stdin: "body" });
    expect(sent[0]?.command).not.toContain(secret);
    expect(sent[0]?.command).toMatch(/^sudo -n -- timeout -k 10 600 sh -c /);
    expect(sent[0]?.stdin).toBe(
      `export https_proxy=http://labuser:${secret}@127.0.0.1:3128 no_proxy=127.0.0.1,localhost\nbody`,
    );
  });

  it("are set for the script, which still reads the rest of stdin", async () => {
    const host = proxied();
    // Run the wrapper without sudo: the same command line, minus the sudo prefix.
    const transport = host.transport as LocalTransport;
    const exec = transport.exec.bind(transport);
    transport.exec = (command, options) => exec(command.replace(/^sudo -n -- /, ""), options);
    const result = await host.run('printf "%s|%s|" "$https_proxy" "$no_proxy"; cat', {
      privileged: true,
      stdin: "line one\nline two\n",
    });
    expect(result.stdout).toBe(
      `http://labuser:${secret}@127.0.0.1:3128|127.0.0.1,localhost|line one\nline two\n`,
    );
  });

  it("reach unprivileged commands too (a key download goes through the proxy), on stdin", async () => {
    const host = proxied();
    const commands: string[] = [];
    const transport = host.transport as LocalTransport;
    const exec = transport.exec.bind(transport);
    transport.exec = (command, options) => {
      commands.push(command);
      return exec(command, options);
    };
    const result = await host.run('printf "%s" "$https_proxy"');
    expect(result.stdout).toBe(`http://labuser:${secret}@127.0.0.1:3128`);
    expect(commands.join("\n")).not.toContain(secret);
  });

  it("keeps proxy credentials out of what leaves the host layer", () => {
    expect(proxied().scrub(`curl: http://labuser:${secret}@127.0.0.1:3128 refused`)).toBe(
      "curl: http://[redacted]@127.0.0.1:3128 refused",
    );
    expect(urlSecrets("http://u:p%40ss@proxy:1")).toEqual(["u:p%40ss", "p%40ss", "p@ss"]);
    expect(urlSecrets("http://proxy:3128")).toEqual([]);
  });
});

describe("a failed apt command's error", () => {
  it("leads with apt's own E: line, not the hash lists before it", () => {
    // Captured from apt-get install against a repository serving a corrupted package.
    const stderr = [
      "E: Failed to fetch http://127.0.0.1:8082/docker/linux/debian/dists/bookworm/pool/stable/amd64/docker-buildx-plugin_0.10.5-1~debian.12~bookworm_amd64.deb  Hash Sum mismatch",
      "   Hashes of expected file:",
      "    - SHA256:d4fc63f83ed99f3e04753ec502ce5eaa641bcf97e1be75e6ce5845227793aab9",
      "    - Filesize:1410 [weak]",
      "   Last modification reported: Mon, 23 Nov 2026 17:25:33 +0000",
      "E: Unable to fetch some archives, maybe run apt-get update or try with --fix-missing?",
    ].join("\n");
    const error = new CommandError("install docker-ce", 100, "", stderr);
    expect(error.message.split("\n")[0]).toBe(
      "install docker-ce exited with code 100 (apt/dpkg error): E: Failed to fetch http://127.0.0.1:8082/docker/linux/debian/dists/bookworm/pool/stable/amd64/docker-buildx-plugin_0.10.5-1~debian.12~bookworm_amd64.deb  Hash Sum mismatch",
    );
    expect(error.message).not.toContain("SHA256");
  });

  it("keeps the last lines of any other command", () => {
    expect(new CommandError("curl x", 22, "", "a\nb\ncurl: (22) 404").message).toBe(
      "curl x exited with code 22:\na\nb\ncurl: (22) 404",
    );
  });
});

describe("Host.run with a `followedBy` script (a step's re-probe in its last command's round trip)", () => {
  it("runs it after the command in one round trip; its output is kept apart, the command's exit code stays", async () => {
    const host = rootHost();
    let after = "";
    const streamed: string[] = [];
    const result = await host.run("cat; echo done; exit 3", {
      stdin: "input\n",
      check: false,
      onOutput: (chunk) => streamed.push(chunk),
      followedBy: { script: "echo probe; cat", read: (stdout) => (after = stdout) },
    });
    expect(result).toEqual({ code: 3, stdout: "input\ndone\n", stderr: "" });
    // The followedBy script reads no standard input: the command had it all.
    expect(after).toBe("probe\n");
    expect(streamed.join("")).not.toContain("probe");
    expect(host.commandCount).toBe(1);
    expect(host.transcript).toEqual(["cat; echo done; exit 3"]);
  });
});
