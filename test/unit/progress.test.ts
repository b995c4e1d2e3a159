import { describe, expect, it } from "vitest";
import { progressFilter } from "../../src/engine/progress.js";

/** Lines as apt-get -o APT::Status-Fd=1 prints them (apt 2.6, Debian 12), with its own output. */
const APT_OUTPUT = [
  "Reading package lists...",
  "dlstatus:1:0:Retrieving file 1 of 5",
  "dlstatus:3:40.5:Retrieving file 3 of 5",
  "Get:1 http://127.0.0.1:8080/docker/linux/debian bookworm/stable amd64 containerd.io amd64 1.6.20-1 [1404 B]",
  "pmstatus:dpkg-exec:0:Running dpkg",
  "pmstatus:containerd.io:16.6667:Preparing containerd.io (amd64)",
  "pmstatus:docker-ce:83.3333:Configuring docker-ce (amd64)",
  "",
].join("\n");

describe("apt progress under the running step", () => {
  it("in a terminal: every update, as a percentage and what apt is doing", () => {
    expect(progressFilter(true)(APT_OUTPUT)).toEqual([
      "Reading package lists...",
      "apt: 0% Retrieving file 1 of 5",
      "apt: 41% Retrieving file 3 of 5",
      "Get:1 http://127.0.0.1:8080/docker/linux/debian bookworm/stable amd64 containerd.io amd64 1.6.20-1 [1404 B]",
      "apt: 0% Running dpkg",
      "apt: 17% Preparing containerd.io (amd64)",
      "apt: 83% Configuring docker-ce (amd64)",
    ]);
  });

  it("in a log: one line per phase, however many updates come, across chunks", () => {
    const filter = progressFilter(false);
    const [first = "", second = ""] = [APT_OUTPUT.slice(0, 120), APT_OUTPUT.slice(120)];
    const lines = [...filter(first), ...filter(second)].filter((l) => l.startsWith("apt: "));
    expect(lines).toEqual(["apt: downloading", "apt: installing"]);
  });
});

/** What `docker run` prints while it pulls an image it does not have (Docker 20.10, stderr). */
const PULL_OUTPUT = [
  "Unable to find image 'hello-world:latest' locally",
  "latest: Pulling from library/hello-world",
  "2db29710123e: Pulling fs layer",
  "2db29710123e: Verifying Checksum",
  "2db29710123e: Download complete",
  "2db29710123e: Pull complete",
  "Digest: sha256:faa03e786c97f07ef34423fccceeec2398ec8a5759259f94d99078f264e9d7af",
  "Status: Downloaded newer image for hello-world:latest",
  "",
].join("\n");

describe("image pulls under the verification step", () => {
  it("in a terminal: each layer event; in a log: one line for the layers", () => {
    expect(progressFilter(true)(PULL_OUTPUT).filter((l) => l.startsWith("docker: "))).toEqual([
      "docker: 2db29710123e: Pulling fs layer",
      "docker: 2db29710123e: Verifying Checksum",
      "docker: 2db29710123e: Download complete",
      "docker: 2db29710123e: Pull complete",
    ]);
    expect(progressFilter(false)(PULL_OUTPUT)).toEqual([
      "Unable to find image 'hello-world:latest' locally",
      "latest: Pulling from library/hello-world",
      "docker: pulling image layers",
      "Digest: sha256:faa03e786c97f07ef34423fccceeec2398ec8a5759259f94d99078f264e9d7af",
      "Status: Downloaded newer image for hello-world:latest",
    ]);
  });
});
