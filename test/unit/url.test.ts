import { describe, expect, it } from "vitest";
import { checkUrl } from "../../src/url.js";

const repo = { path: true };
const mirror = { path: false };

describe("checkUrl", () => {
  it.each([
    ["https://download.docker.com/linux", "https://download.docker.com/linux"],
    ["https://download.docker.com/linux/", "https://download.docker.com/linux"],
    [
      "HTTPS://Mirror.Example.org:8443/docker-ce/linux//",
      "https://mirror.example.org:8443/docker-ce/linux",
    ],
    ["http://127.0.0.1:8080/docker/linux", "http://127.0.0.1:8080/docker/linux"],
    ["http://[::1]:8080/docker/linux", "http://[::1]:8080/docker/linux"],
    ["https://mirror.example.org:443/x", "https://mirror.example.org/x"],
  ])("accepts %j as %j", (value, normalized) => {
    expect(checkUrl(value, repo)).toEqual({
      ok: true,
      url: normalized,
      insecure: normalized.startsWith("http:"),
    });
  });

  it.each([
    // The injection that wrote a second, unsigned apt source line.
    ["https://mirror/x /\ndeb [trusted=yes] http://elsewhere/ /", /whitespace/],
    ["https://mirror/x\tdeb", /whitespace/],
    ["https://mir\u0000ror/x", /control characters/],
    ["https://mirror/x\u007f", /control characters/],
    ["https://mirror/x'", /quotes/],
    ['https://mirror/"x', /quotes/],
    ["https://mirror/[trusted=yes]", /brackets/],
    ["https://mirror/x]", /brackets/],
    ["https://user:secret@mirror/x", /user name or password/],
    ["https://user@mirror/x", /user name or password/],
    ["https://mirror/x?y=1", /query/],
    ["https://mirror/x?", /query/],
    ["https://mirror/x#frag", /fragment/],
    ["ftp://mirror/x", /only http/],
    ["file:///etc/passwd", /only http/],
    ["mirror/x", /not a URL/],
    ["https://mirror/x<y", /not allowed/],
    ["https://mirror/a\\b", /not allowed/],
  ])("refuses %j", (value, error) => {
    const checked = checkUrl(value, repo);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.error).toMatch(error);
  });

  it("allows only scheme, host and port for a registry mirror", () => {
    expect(checkUrl("http://127.0.0.1:5000", mirror)).toEqual({
      ok: true,
      url: "http://127.0.0.1:5000",
      insecure: true,
    });
    expect(checkUrl("https://mirror.gcr.io/", mirror)).toMatchObject({
      ok: true,
      url: "https://mirror.gcr.io",
    });
    const withPath = checkUrl("https://mirror.example.org/v2", mirror);
    expect(withPath).toMatchObject({ ok: false });
    if (!withPath.ok) expect(withPath.error).toMatch(/no path/);
  });
});
