/**
 * --proxy against a real proxy: squid inside each test host is the ONLY way that host reaches its
 * stand-in repositories and registry, which the CLI is given under names only squid resolves
 * (http://repo.vla-proxy.test:8080/..., http://registry.vla-proxy.test:5000). Without --proxy the
 * run fails naming the URL it could not reach; with it the host is provisioned and keeps the proxy
 * for apt and dockerd; with credentials in the proxy URL they show up in no output, report, command
 * line or journal; `--proxy none` takes the proxy away again.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, explain, runCli, sshFlags, statuses } from "./_helpers/cli.js";
import { PROXY_NAMES, proxiedCliArgs, startProxy, type TestProxy } from "./_helpers/proxy.js";
import { STATE_SNAPSHOT, snapshotChanges } from "./_helpers/state.js";
import { startHost, type TestHost } from "./_helpers/testbed.js";
import { type Sighting, sightingsOf, watchProcesses } from "./_helpers/watch.js";

const APT_CONF = "/etc/apt/apt.conf.d/95vla-provision-proxy";
const DROP_IN_DIR = "/etc/systemd/system/docker.service.d";
const DROP_IN = `${DROP_IN_DIR}/vla-provision-proxy.conf`;
/** Every file of the tool's proxy settings (the drop-in may keep the variables in a file beside it). */
const OWNED_FILES = `find /etc/apt/apt.conf.d ${DROP_IN_DIR} -name '*vla-provision-proxy*' 2>/dev/null | LC_ALL=C sort`;
const NAMES = [PROXY_NAMES.repo, PROXY_NAMES.registry];
const REGISTRY = `${PROXY_NAMES.registry}:5000`;

/** dockerd talks plain HTTP to a registry other than localhost only when told it is insecure. */
const DAEMON_JSON = `{\n  "insecure-registries": ["${REGISTRY}"]\n}\n`;

async function prepare(host: TestHost): Promise<void> {
  const seeded = await host.exec(
    `mkdir -p /etc/docker && cat > /etc/docker/daemon.json <<'JSON'\n${DAEMON_JSON}JSON`,
  );
  expect(seeded.code, seeded.stderr).toBe(0);
}

/** Lines of squid's access log that name `text`. */
const lines = (log: string, text: string) => log.split("\n").filter((l) => l.includes(text));

/**
 * Every file under the places a secret could land that holds `secret`, as `mode owner group path`
 * lines. The secret is grep's pattern on stdin, never on a command line; the process watcher's own
 * records (which hold dockerd's environment) are left out.
 */
async function secretHolders(host: TestHost, secret: string): Promise<string[]> {
  const found = await host.exec(
    "grep -rlF --exclude='vla-watch-*' -f - /etc /root /home /var/backups /var/log /var/tmp /tmp /var/lib/vla-provision 2>/dev/null | LC_ALL=C sort | while read -r f; do stat -c '%a %U %G %n' \"$f\"; done",
    { input: `${secret}\n` },
  );
  return found.stdout.trim().split("\n").filter(Boolean);
}

/** The environment dockerd runs with, as NAME=value lines (empty when it does not run). */
const DOCKERD_ENV = "pid=$(pidof dockerd) && tr '\\0' '\\n' < /proc/${pid%% *}/environ";

describe("a Debian 12 host that reaches its repositories and registry only through squid", () => {
  let host: TestHost;
  let proxy: TestProxy;
  const args = () => [...sshFlags(host), ...proxiedCliArgs(host.cliArgs), "--json"];

  beforeAll(async () => {
    host = await startHost("debian12", { user: "ops" });
    proxy = await startProxy(host, { names: NAMES });
    await prepare(host);
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("the test names resolve only through the proxy", async () => {
    const direct = await host.exec(
      `getent hosts ${PROXY_NAMES.repo}; curl -sS --max-time 10 -o /dev/null http://${PROXY_NAMES.repo}:8080/docker/linux/debian/gpg`,
    );
    expect(direct.code).not.toBe(0);
    expect(direct.stderr).toMatch(/resolve/i);
    const through = await host.exec(
      `curl -fsS --max-time 10 --proxy ${proxy.url} http://${PROXY_NAMES.repo}:8080/docker/linux/debian/gpg && ` +
        `curl -fsS --max-time 10 --proxy ${proxy.url} http://${REGISTRY}/v2/library/hello-world/tags/list`,
    );
    expect(through.code, through.stderr).toBe(0);
    expect(through.stdout).toContain("-----BEGIN PGP PUBLIC KEY BLOCK-----");
    expect(through.stdout).toContain('"name":"library/hello-world"');
    // Nothing else goes through it: another name is refused, without a lookup.
    const other = await host.exec(
      `curl -s --max-time 10 -o /dev/null -w '%{http_code}' --proxy ${proxy.url} http://elsewhere.vla-proxy.test/`,
    );
    expect(other.stdout).toBe("403");
    const log = await proxy.accessLog();
    expect(lines(log, `GET http://${PROXY_NAMES.repo}:8080/docker/linux/debian/gpg`)).toHaveLength(
      1,
    );
  });

  it("without --proxy the run fails naming the unreachable repository, and changes nothing", async () => {
    const before = await host.exec(STATE_SNAPSHOT);
    const result = await runCli(args());
    expect(result.code, explain(result)).not.toBe(0);
    // The URL it could not reach, and why.
    expect(result.stdout + result.stderr).toContain(
      `http://${PROXY_NAMES.repo}:8080/docker/linux/debian/gpg`,
    );
    expect(result.stdout + result.stderr).toMatch(/resolve/i);
    const after = await host.exec(STATE_SNAPSHOT);
    expect(snapshotChanges(before.stdout, after.stdout)).toEqual([]);
    expect(await proxy.accessLog()).not.toMatch(/docker\/linux\/debian\/dists/);
  });

  let provisioned: CliResult;

  it("with --proxy the full provision passes: keys, apt and the hello-world pull all through squid", async () => {
    const before = await proxy.accessLog();
    provisioned = await runCli([...args(), "--proxy", proxy.url]);
    const result = provisioned;
    expect(result.code, explain(result)).toBe(0);
    const status = statuses(result);
    expect(status["proxy-settings"]).toBe("changed");
    expect(status["docker-packages"]).toBe("changed");
    expect(status["verify-hello"]).toBe("verified");
    expect(Object.values(status)).not.toContain("failed");

    const log = (await proxy.accessLog()).slice(before.length);
    expect(
      lines(log, `GET http://${PROXY_NAMES.repo}:8080/docker/linux/debian/gpg`).length,
    ).toBeGreaterThan(0);
    expect(
      lines(log, `http://${PROXY_NAMES.repo}:8080/docker/linux/debian/dists/bookworm/`).length,
    ).toBeGreaterThan(0);
    expect(
      lines(log, `http://${PROXY_NAMES.repo}:8080/docker/linux/debian/dists/bookworm/pool/`).length,
    ).toBeGreaterThan(0);
    expect(lines(log, `http://${REGISTRY}/v2/`).length).toBeGreaterThan(0);

    // What the tool keeps, in the files it owns: readable like apt's own (no credentials).
    const owned = await host.exec(
      `${OWNED_FILES} | while read -r f; do stat -c '%a %U %G %n' "$f"; done`,
    );
    const modes = owned.stdout.trim().split("\n");
    expect(modes).toContain(`644 root root ${APT_CONF}`);
    expect(modes).toContain(`644 root root ${DROP_IN}`);
    for (const line of modes) expect(line).toMatch(/^644 root root /);
    const apt = await host.exec(`cat ${APT_CONF}`);
    expect(apt.stdout).toContain(`Acquire::http::Proxy "${proxy.url}";`);
    const env = (await host.exec(DOCKERD_ENV)).stdout.split("\n");
    expect(env).toContain(`HTTP_PROXY=${proxy.url}`);
    expect(env).toContain(`HTTPS_PROXY=${proxy.url}`);
    expect(env).toContain("NO_PROXY=localhost,127.0.0.1,::1");
    // The registry mirror is the name behind the proxy, the user's own key is kept.
    const daemon = JSON.parse((await host.exec("cat /etc/docker/daemon.json")).stdout);
    expect(daemon["registry-mirrors"]).toEqual([`http://${REGISTRY}`]);
    expect(daemon["insecure-registries"]).toEqual([REGISTRY]);
    // A loopback proxy is not written into the containers' config: a notice says why.
    expect(result.stderr + JSON.stringify(result.report?.hosts[0]?.notices ?? [])).toMatch(
      /loopback/,
    );
    const client = await host.exec("cat /home/ops/.docker/config.json 2>/dev/null");
    expect(client.stdout).not.toContain("proxies");
  });

  it("afterwards, without the tool, apt-get update and docker pull work through squid", async () => {
    expect(provisioned?.code).toBe(0);
    const before = await proxy.accessLog();
    const update = await host.exec("timeout 300 apt-get update --error-on=any 2>&1");
    expect(update.code, update.stdout).toBe(0);
    expect(update.stdout).toContain(`http://${PROXY_NAMES.repo}:8080/docker/linux/debian bookworm`);
    const pull = await host.exec(`timeout 300 docker pull ${REGISTRY}/library/hello-world 2>&1`);
    expect(pull.code, pull.stdout).toBe(0);
    const run = await host.exec(`timeout 120 docker run --rm ${REGISTRY}/library/hello-world 2>&1`);
    expect(run.stdout).toContain("Hello from Docker!");

    const log = (await proxy.accessLog()).slice(before.length);
    expect(
      lines(log, `http://${PROXY_NAMES.repo}:8080/docker/linux/debian/dists/bookworm/`).length,
    ).toBeGreaterThan(0);
    expect(
      lines(log, `http://${REGISTRY}/v2/library/hello-world/manifests/`).length,
    ).toBeGreaterThan(0);
  });

  it("a second run with --proxy skips every step and changes nothing", async () => {
    const before = await host.exec(STATE_SNAPSHOT);
    const result = await runCli([...args(), "--proxy", proxy.url, "--no-verify"]);
    expect(result.code, explain(result)).toBe(0);
    const steps = result.report?.hosts[0]?.steps ?? [];
    expect(steps.map((s) => s.id)).toContain("proxy-settings");
    for (const step of steps) expect(step.status, `${step.id}: ${step.reason}`).toBe("skipped");
    const after = await host.exec(STATE_SNAPSHOT);
    expect(snapshotChanges(before.stdout, after.stdout)).toEqual([]);
    expect(after.stdout).not.toContain("no-dockerd");
  });

  it("--proxy none removes the files the tool wrote; dockerd runs without a proxy", async () => {
    const result = await runCli([...args(), "--proxy", "none", "--no-verify"]);
    expect(result.code, explain(result)).toBe(0);
    expect(statuses(result)["proxy-settings"]).toBe("changed");
    const owned = await host.exec(OWNED_FILES);
    expect(owned.stdout).toBe("");
    expect((await host.exec("apt-config dump | grep -i proxy")).stdout).toBe("");
    const env = await host.exec(DOCKERD_ENV);
    expect(env.code, env.stderr).toBe(0);
    expect(env.stdout).not.toMatch(/proxy/i);
    const shown = await host.exec("systemctl show docker -p Environment");
    expect(shown.stdout).not.toMatch(/proxy/i);
    // Without the proxy the name does not resolve: dockerd now fails where it pulled before.
    const pull = await host.exec(`timeout 120 docker pull ${REGISTRY}/library/hello-world 2>&1`);
    expect(pull.code).not.toBe(0);
    expect(pull.stdout).toMatch(/no such host|lookup|resolve/i);

    const again = await runCli([...args(), "--proxy", "none", "--no-verify"]);
    expect(again.code, explain(again)).toBe(0);
    expect(statuses(again)["proxy-settings"]).toBe("skipped");
  });
});

describe("a proxy that asks for credentials: they appear in no output, report, command line or journal", () => {
  const user = "vla";
  const secret = "s3cret-pw";
  let host: TestHost;
  let proxy: TestProxy;
  let result: CliResult;
  let sightings: Sighting[];

  beforeAll(async () => {
    host = await startHost("debian12", { user: "ops" });
    proxy = await startProxy(host, { names: NAMES, credentials: { user, password: secret } });
    await prepare(host);
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("squid refuses requests without the credentials", async () => {
    expect(proxy.clientUrl).toBe(`http://${user}:${secret}@127.0.0.1:3128`);
    const target = `http://${PROXY_NAMES.repo}:8080/docker/linux/debian/gpg`;
    const without = await host.exec(
      `curl -s --max-time 10 -o /dev/null -w '%{http_code}' --proxy ${proxy.url} ${target}`,
    );
    expect(without.stdout).toBe("407");
    // The credentials go to curl in a config file read from stdin, never on its command line.
    const withThem = await host.exec(
      `curl -s --max-time 10 -o /dev/null -w '%{http_code}' -K - ${target}`,
      { input: `proxy = "${proxy.clientUrl}"\n` },
    );
    expect(withThem.stdout).toBe("200");
  });

  it("a full provision through the proxy passes while a root session watches every process", async () => {
    const logBefore = await proxy.accessLog();
    const watch = await watchProcesses(host);
    try {
      result = await runCli([
        ...sshFlags(host),
        ...proxiedCliArgs(host.cliArgs),
        "--json",
        "--proxy",
        proxy.clientUrl,
      ]);
    } finally {
      sightings = await watch.stop();
    }
    expect(result.code, explain(result).replaceAll(secret, "[SECRET]")).toBe(0);
    const status = statuses(result);
    expect(status["proxy-settings"]).toBe("changed");
    expect(status["verify-hello"]).toBe("verified");
    // The tool's traffic went through squid as the user: every request it served authenticated.
    const log = (await proxy.accessLog()).slice(logBefore.length);
    const ours = lines(log, `http://${PROXY_NAMES.repo}:8080/docker/linux/debian/`).filter(
      (line) => !line.includes("TCP_DENIED"),
    );
    expect(ours.length).toBeGreaterThan(0);
    for (const line of ours) expect(line).toContain(` ${user} HIER_`);
    expect(lines(log, `http://${REGISTRY}/v2/`).some((l) => l.includes(` ${user} `))).toBe(true);
  });

  it("not in the CLI's output or its --json report", () => {
    expect(result.stdout).not.toContain(secret);
    expect(result.stderr).not.toContain(secret);
    expect(result.report).toBeDefined();
    expect(JSON.stringify(result.report)).not.toContain(secret);
  });

  it("not on any command line seen on the host while the run was in flight", () => {
    // The watcher saw the run: the privileged apt-get and the key download.
    expect(sightings.some((s) => /(^|\/)apt-get /.test(s.cmdline))).toBe(true);
    expect(sightings.some((s) => s.cmdline.includes(PROXY_NAMES.repo))).toBe(true);
    const onCommandLines = sightingsOf(sightings, secret).filter((s) =>
      s.startsWith("command line:"),
    );
    expect(onCommandLines).toEqual([]);
  });

  it("not in the journal", async () => {
    const journal = await host.exec("journalctl --no-pager -a -o short 2>&1");
    expect(journal.code).toBe(0);
    // The journal holds the run: sudo's log of the tool's commands, dockerd's start.
    expect(journal.stdout).toMatch(/sudo/);
    expect(journal.stdout).toMatch(/dockerd/);
    expect(journal.stdout).not.toContain(secret);
  });

  it("not in what systemd shows an unprivileged user about docker.service", async () => {
    // systemd hands a unit's Environment= to any local user (systemctl show).
    const shown = await host.exec(
      "runuser -u lab -- systemctl show docker.service --no-pager 2>&1; runuser -u lab -- systemctl cat docker.service --no-pager 2>&1",
    );
    expect(shown.stdout).toContain("docker");
    expect(shown.stdout).not.toContain(secret);
  });

  it("only files readable by root alone hold them, and apt still works with them", async () => {
    const found = await secretHolders(host, secret);
    expect(found).toContain(`600 root root ${APT_CONF}`);
    expect(found.some((line) => line.startsWith(`600 root root ${DROP_IN_DIR}/`))).toBe(true);
    for (const line of found) expect(line).toMatch(/^600 root root /);
    const update = await host.exec("timeout 300 apt-get update --error-on=any 2>&1");
    expect(update.code, update.stdout.replaceAll(secret, "[SECRET]")).toBe(0);
    expect(update.stdout).not.toContain(secret);
  });

  it("a second run changes nothing and still shows them nowhere", async () => {
    const before = await host.exec(STATE_SNAPSHOT);
    const again = await runCli([
      ...sshFlags(host),
      ...proxiedCliArgs(host.cliArgs),
      "--json",
      "--no-verify",
      "--proxy",
      proxy.clientUrl,
    ]);
    expect(again.code, explain(again).replaceAll(secret, "[SECRET]")).toBe(0);
    for (const step of again.report?.hosts[0]?.steps ?? [])
      expect(step.status, `${step.id}: ${step.reason}`).toBe("skipped");
    expect(again.stdout + again.stderr).not.toContain(secret);
    const after = await host.exec(STATE_SNAPSHOT);
    expect(snapshotChanges(before.stdout, after.stdout)).toEqual([]);
  });

  it("--proxy none moves them away; what still holds them (the backups) is root's alone", async () => {
    const removed = await runCli([
      ...sshFlags(host),
      ...proxiedCliArgs(host.cliArgs),
      "--json",
      "--no-verify",
      "--proxy",
      "none",
    ]);
    expect(removed.code, explain(removed).replaceAll(secret, "[SECRET]")).toBe(0);
    expect(statuses(removed)["proxy-settings"]).toBe("changed");
    expect(removed.stdout + removed.stderr).not.toContain(secret);
    expect((await host.exec(OWNED_FILES)).stdout).toBe("");
    const env = await host.exec(DOCKERD_ENV);
    expect(env.code, env.stderr).toBe(0);
    expect(env.stdout).not.toMatch(/proxy/i);
    for (const line of await secretHolders(host, secret)) expect(line).toMatch(/^600 root root /);
  });
});
