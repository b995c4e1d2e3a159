import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.js";
import { resolveEndpoint } from "../../src/hosts/connect.js";
import {
  GLOBAL_KNOWN_HOSTS_FILES,
  loadSshConfig,
  matchSshPattern,
  parseSshConfig,
  type ResolvedSshConfig,
  type ResolveOptions,
  resolveSshConfig,
} from "../../src/ssh/config.js";

const fixture = (name: string) => join(import.meta.dirname, "../fixtures/ssh", name);
const labConfig = fixture("lab-ssh-config");
// ssh(1) takes the home directory from passwd, not from $HOME.
const account = { home: userInfo().homedir, localUser: userInfo().username };
const env = { LAB_KEYS: "/srv/lab-keys" };

/** Whether a tool is installed; in CI a missing one fails the test instead of skipping it. */
function hasTool(name: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" });
    return true;
  } catch {
    if (process.env.CI) throw new Error(`${name} is not installed (openssh-client)`);
    return false;
  }
}

/** What OpenSSH itself resolves: `ssh -G`, the values these tests compare with. */
function sshG(configFile: string, alias: string, extra: string[] = []): Map<string, string[]> {
  const out = execFileSync("ssh", ["-G", "-F", configFile, ...extra, alias], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "ignore"],
  });
  const values = new Map<string, string[]>();
  for (const line of out.split("\n")) {
    const space = line.indexOf(" ");
    if (space === -1) continue;
    const key = line.slice(0, space);
    values.set(key, [...(values.get(key) ?? []), line.slice(space + 1)]);
  }
  return values;
}

/** Our resolution, printed the way `ssh -G` prints the same settings. */
function asSshG(resolved: ResolvedSshConfig) {
  const strict = { yes: "true", no: "false", ask: "ask", "accept-new": "accept-new" };
  return {
    hostname: resolved.hostName,
    user: resolved.user ?? account.localUser,
    port: String(resolved.port ?? 22),
    identitiesonly: resolved.identitiesOnly ? "yes" : "no",
    stricthostkeychecking: strict[resolved.strictHostKeyChecking ?? "ask"],
    userknownhostsfile: resolved.userKnownHostsFiles.join(" ") || "none",
    globalknownhostsfile:
      (resolved.globalKnownHostsFiles ?? GLOBAL_KNOWN_HOSTS_FILES).join(" ") || "none",
    hashknownhosts: resolved.hashKnownHosts ? "yes" : "no",
  };
}

function expectSameAsOpenSsh(file: string, doc: Parameters<typeof resolveSshConfig>[0]) {
  return (alias: string, opts: ResolveOptions = {}) => {
    const extra = [
      ...(opts.user ? ["-l", opts.user] : []),
      ...(opts.port ? ["-p", String(opts.port)] : []),
    ];
    const openssh = sshG(file, alias, extra);
    const ours = asSshG(resolveSshConfig(doc, alias, { ...account, env, ...opts }));
    const theirs = Object.fromEntries(
      Object.keys(ours).map((key) => [key, openssh.get(key)?.join(" ")]),
    );
    expect(ours).toEqual(theirs);
  };
}

describe("parseSshConfig", () => {
  it("reads keywords case-insensitively, Key=value, quotes, escapes and comments", () => {
    const doc = parseSshConfig(
      [
        "# a comment",
        "  HOSTNAME=example.com",
        "Port = 2022 # trailing",
        "IdentityFile \"/keys/a key\" '/keys/b' /keys/c\\ d",
        "User\tbob",
        "",
        "SendEnv LANG#notacomment",
      ].join("\n"),
      "cfg",
    );
    expect(doc.directives.map(({ keyword, args, line }) => ({ keyword, args, line }))).toEqual([
      { keyword: "hostname", args: ["example.com"], line: 2 },
      { keyword: "port", args: ["2022"], line: 3 },
      { keyword: "identityfile", args: ["/keys/a key", "/keys/b", "/keys/c d"], line: 4 },
      { keyword: "user", args: ["bob"], line: 5 },
      { keyword: "sendenv", args: ["LANG#notacomment"], line: 7 },
    ]);
  });

  it("refuses an unterminated quote with the file and line", () => {
    expect(() => parseSshConfig('Host a\n  IdentityFile "/x', "cfg")).toThrow(
      /^cfg:2: unterminated quoted string$/,
    );
  });
});

describe("matchSshPattern", () => {
  it.each([
    ["gpu-01", "gpu-??", true],
    ["gpu-100", "gpu-??", false],
    ["a.b.internal", "*.internal", true],
    ["internal", "*.internal", false],
    ["x+y(z)", "x+y(z)", true],
    ["GPU", "gpu", false],
  ])("%s against %s: %s", (value, pattern, expected) => {
    expect(matchSshPattern(value, pattern)).toBe(expected);
  });
});

describe("resolveSshConfig", () => {
  it("resolves a block the way ssh(1) does: first value wins, IdentityFile accumulates", async () => {
    const doc = await loadSshConfig(labConfig);
    const home = "/home/ana";
    const resolved = resolveSshConfig(doc, "gpu-01", { home, localUser: "ana" });
    expect(resolved).toEqual({
      alias: "gpu-01",
      hostName: "gpu-01.lab.example",
      user: "lab",
      port: 2022,
      identityFiles: [
        "/home/ana/.ssh/lab_lab@gpu-01.lab.example:2022",
        "/opt/keys/shared key",
        "/home/ana/.ssh/id_ed25519",
      ],
      strictHostKeyChecking: "accept-new",
      userKnownHostsFiles: [
        "/home/ana/.ssh/known_hosts.d/gpu-01.lab.example_2022_lab",
        "/etc/ssh/lab_known_hosts",
      ],
      unsupported: [
        {
          keyword: "match",
          args: ["host", "no-host-is-called-this"],
          file: labConfig,
          line: 26,
        },
      ],
    });
  });

  it("lets command-line user and port win and feeds them to %r and %p", async () => {
    const doc = await loadSshConfig(labConfig);
    const resolved = resolveSshConfig(doc, "gpu-02", {
      home: "/h",
      localUser: "ana",
      user: "bob",
      port: 2200,
    });
    expect(resolved.user).toBe("bob");
    expect(resolved.port).toBe(2200);
    expect(resolved.identityFiles[0]).toBe("/h/.ssh/lab_bob@gpu-02.lab.example:2200");
  });

  it("defaults: alias as HostName, no user or port, the two default known_hosts files", () => {
    const resolved = resolveSshConfig("", "Some.Host", { home: "/h", localUser: "ana" });
    expect(resolved).toEqual({
      alias: "Some.Host",
      hostName: "some.host",
      identityFiles: [],
      userKnownHostsFiles: ["/h/.ssh/known_hosts", "/h/.ssh/known_hosts2"],
      unsupported: [],
    });
  });

  it("reads GlobalKnownHostsFile (one or more paths, or none) and HashKnownHosts", async () => {
    const doc = await loadSshConfig(fixture("known-hosts-ssh-config"));
    expect(resolveSshConfig(doc, "hashed")).toMatchObject({
      globalKnownHostsFiles: ["/srv/lab/ssh_known_hosts", "/srv/lab/ssh_known_hosts.d/gpu"],
      hashKnownHosts: true,
    });
    expect(resolveSshConfig(doc, "no-global")).toMatchObject({
      globalKnownHostsFiles: [],
      hashKnownHosts: true,
    });
    expect(resolveSshConfig(doc, "other")).toMatchObject({
      globalKnownHostsFiles: ["/etc/ssh/lab_known_hosts"],
      hashKnownHosts: false,
    });
  });

  it("leaves GlobalKnownHostsFile unset where no block that applies sets it", () => {
    const text = "Host lab\n  GlobalKnownHostsFile /srv/g\n";
    expect(resolveSshConfig(text, "lab").globalKnownHostsFiles).toEqual(["/srv/g"]);
    expect(resolveSshConfig(text, "h").globalKnownHostsFiles).toBeUndefined();
  });

  it("refuses a Match other than `Match all`, whichever host is asked for", () => {
    const text = "Host a\n  User x\nMatch host b\n  User y\nMatch all\n  Port 2022\n";
    for (const alias of ["a", "b", "c"]) {
      const resolved = resolveSshConfig(text, alias);
      expect(resolved.unsupported).toEqual([
        { keyword: "match", args: ["host", "b"], file: "<ssh config>", line: 3 },
      ]);
      expect(resolved.port).toBe(2022);
    }
  });

  it("understands `Match all` without reporting it", () => {
    const resolved = resolveSshConfig("Host other\n  User x\nMATCH All\n  User y\n", "h");
    expect(resolved).toMatchObject({ user: "y", unsupported: [] });
  });

  it("expands environment variables in IdentityFile and maps UserKnownHostsFile none to no file", async () => {
    const resolved = resolveSshConfig(await loadSshConfig(labConfig), "isolated", {
      home: "/h",
      env: { LAB_KEYS: "/srv/keys" },
    });
    expect(resolved.identityFiles).toEqual(["/srv/keys/isolated", "/h/.ssh/id_ed25519"]);
    expect(resolved.userKnownHostsFiles).toEqual([]);
  });

  it("reports keywords that would change the connection and are not honoured", () => {
    const resolved = resolveSshConfig(
      "Host db\n  ProxyJump bastion\n  ProxyJump other\nHost *\n  ProxyCommand nc %h %p\n",
      "db",
    );
    expect(resolved.unsupported).toEqual([
      { keyword: "proxyjump", file: "<ssh config>", line: 2 },
      { keyword: "proxycommand", file: "<ssh config>", line: 5 },
    ]);
  });

  it.each([
    ["Host a\n  Port 70000", /<ssh config>:2: bad port 70000/],
    ["Host a\n  IdentitiesOnly maybe", /expected yes or no/],
    ["Host a\n  StrictHostKeyChecking sometimes", /bad StrictHostKeyChecking value/],
    ["Host a\n  HashKnownHosts maybe", /<ssh config>:2: expected yes or no, got maybe/],
    ["Host a\n  IdentityFile ~/.ssh/%z", /unknown token %z/],
    ["Host a\n  IdentityFile ${NOT_SET_ANYWHERE}/k", /NOT_SET_ANYWHERE is not set/],
    ["Host\n", /Host without a pattern/],
  ])("refuses a malformed value as bad input: %j", (text, message) => {
    const attempt = () => resolveSshConfig(text, "a", { env: {} });
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow(message);
  });

  it("names the file when it cannot be read", async () => {
    await expect(loadSshConfig("/nonexistent/ssh_config")).rejects.toThrow(
      "Cannot read SSH config file /nonexistent/ssh_config: ENOENT",
    );
  });
});

describe("resolveEndpoint and a Match line", () => {
  it("refuses the config as a usage error naming the Match line, for any target", async () => {
    for (const target of ["gpu-01", "ops@192.0.2.7:2222"]) {
      const error = await resolveEndpoint(target, {
        sshConfig: labConfig,
        acceptNewHostKey: false,
        globalKnownHostsFiles: [],
      }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(UsageError);
      const message = (error as Error).message;
      expect(message).toContain(
        `${labConfig}:26: Match host no-host-is-called-this is not supported by vla-provision;`,
      );
      expect(message).toContain("--ssh-config /dev/null");
      expect(message).not.toContain("\n");
    }
  });
});

describe("Include", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ssh-config-"));
    await mkdir(join(dir, "conf.d"));
    await mkdir(join(dir, "home/.ssh"), { recursive: true });
    await writeFile(join(dir, "conf.d/10-gpu.conf"), "Host gpu\n  User from-include\n");
    // A Match in an included file must not change the including file's state.
    await writeFile(join(dir, "conf.d/20-match.conf"), "Match host none\n  User never\n");
    await writeFile(join(dir, "conf.d/.hidden.conf"), "Host *\n  User hidden\n");
    await writeFile(join(dir, "conf.d/30-notes.txt"), "Host *\n  User txt\n");
    await writeFile(join(dir, "home/.ssh/relative.conf"), "Host rel\n  Port 2345\n");
    await writeFile(
      join(dir, "config"),
      [
        "Include relative.conf",
        "Host gpu",
        `  Include ${dir}/conf.d/*.conf`,
        "  Port 2200",
        "Host other",
        `  Include ${dir}/conf.d/10-gpu.conf`,
        "Host *",
        "  User fallback",
      ].join("\n"),
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("follows globbed and ~/.ssh-relative Includes, skipping hidden and unmatched files", async () => {
    const doc = await loadSshConfig(join(dir, "config"), { home: join(dir, "home") });
    expect(resolveSshConfig(doc, "gpu")).toMatchObject({ user: "from-include", port: 2200 });
    // The Include under `Host other` brings in a `Host gpu` block that never applies to "other".
    expect(resolveSshConfig(doc, "other")).toMatchObject({ user: "fallback" });
    expect(resolveSshConfig(doc, "rel")).toMatchObject({ user: "fallback", port: 2345 });
  });

  it("reports a Match read through an Include, not one under a block that does not apply", async () => {
    const doc = await loadSshConfig(join(dir, "config"), { home: join(dir, "home") });
    expect(resolveSshConfig(doc, "gpu").unsupported).toEqual([
      {
        keyword: "match",
        args: ["host", "none"],
        file: join(dir, "conf.d/20-match.conf"),
        line: 1,
      },
    ]);
    expect(resolveSshConfig(doc, "other").unsupported).toEqual([]);
    expect(resolveSshConfig(doc, "rel").unsupported).toEqual([]);
  });

  it.skipIf(!hasTool("ssh"))("agrees with ssh -G on the absolute Includes", async () => {
    const doc = await loadSshConfig(join(dir, "config"), { home: join(dir, "home") });
    const check = expectSameAsOpenSsh(join(dir, "config"), doc);
    for (const alias of ["gpu", "other"]) check(alias);
  });

  it("stops at a cycle of Includes", async () => {
    const loop = join(dir, "loop.conf");
    await writeFile(loop, `Include ${loop}\n`);
    await expect(loadSshConfig(loop)).rejects.toThrow(/Include nested too deeply/);
  });
});

describe.skipIf(!hasTool("ssh"))("the same answers as OpenSSH's ssh -G", () => {
  it.each([
    ["gpu-01"],
    ["gpu-99"],
    ["gpu-100"],
    ["bastion"],
    ["jump"],
    ["Bastion"],
    ["box.internal"],
    ["isolated"],
    ["anything-else"],
  ])("on %s", async (alias) => {
    expectSameAsOpenSsh(labConfig, await loadSshConfig(labConfig))(alias);
  });

  it("with -l and -p given on the command line", async () => {
    const check = expectSameAsOpenSsh(labConfig, await loadSshConfig(labConfig));
    check("gpu-01", { user: "bob", port: 2200 });
    check("box.internal", { port: 2022 });
  });

  it.each([["hashed"], ["no-global"], ["other"]])(
    "on the known_hosts keywords: %s",
    async (alias) => {
      const file = fixture("known-hosts-ssh-config");
      expectSameAsOpenSsh(file, await loadSshConfig(file))(alias);
    },
  );

  it.each([["noble"], ["jammy"], ["bookworm"]])(
    "on the vagrant ssh-config output: %s",
    async (m) => {
      const file = fixture("vagrant-ssh-config");
      expectSameAsOpenSsh(file, await loadSshConfig(file))(m);
    },
  );
});
