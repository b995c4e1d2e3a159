import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { explain, runCli, sshFlags } from "./_helpers/cli.js";
import { STATE_SNAPSHOT } from "./_helpers/state.js";
import { startHost, type TestHost } from "./_helpers/testbed.js";

// A real run on such a host starts dockerd with /etc/init.d/docker, whose `ulimit -n 1048576`
// needs CAP_SYS_RESOURCE: the test machines cannot grant it to a container, so only the
// read-only side is exercised here.
describe("a host without systemd (sshd as PID 1)", () => {
  let host: TestHost;
  beforeAll(async () => {
    host = await startHost("debian12-nosystemd", { user: "ops" });
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("doctor reports it, and the dry run plans the init script instead of systemctl", async () => {
    const doctor = await runCli(["doctor", ...sshFlags(host), "--json"]);
    // Not provisioned yet: doctor says a run would set it up (exit 4).
    expect(doctor.code, explain(doctor)).toBe(4);
    expect(JSON.parse(doctor.stdout).hosts[0].checks).toContainEqual(
      expect.objectContaining({ id: "init", verdict: "warning" }),
    );
    expect(JSON.parse(doctor.stdout).hosts[0].facts.init).toMatch(/^no systemd \(pid 1: sshd\)$/);

    const before = await host.exec(STATE_SNAPSHOT);
    const dry = await runCli([...sshFlags(host), ...host.cliArgs, "--dry-run", "--json"]);
    expect(dry.code, explain(dry)).toBe(0);
    const service = dry.report?.hosts[0]?.steps.find((s) => s.id === "docker-service");
    expect(service?.status).toBe("planned");
    expect(service?.plan).toContain("$ /etc/init.d/docker start");
    expect(service?.plan).not.toContain("systemctl");
    expect((await host.exec(STATE_SNAPSHOT)).stdout).toBe(before.stdout);
  });
});
