import { describe, expect, it } from "vitest";
import { withValueAt } from "../../src/actions/execute.js";
import { decideProxy } from "../../src/decisions.js";
import {
  checkNoProxy,
  checkProxyUrl,
  isLoopbackProxy,
  proxyFromEnvironment,
  shownProxy,
} from "../../src/proxy.js";

describe("proxy URLs", () => {
  it.each([
    ["http://127.0.0.1:7897", "http://127.0.0.1:7897"],
    ["http://proxy.lab:3128/", "http://proxy.lab:3128"],
    ["https://u:p%40ss@proxy.lab:8443", "https://u:p%40ss@proxy.lab:8443"],
    ["http://[::1]:3128", "http://[::1]:3128"],
  ])("%s is taken as %s", (value, url) => {
    expect(checkProxyUrl(value)).toEqual({ ok: true, url });
  });

  it.each([
    ["proxy.lab:3128", /http/],
    ["socks5://proxy.lab:1080", /http/],
    ["http://proxy.lab:3128/path", /no path/],
    ["http://proxy.lab:3128?x=1", /no path/],
    ['http://pro"xy:3128', /quotes/],
    ["http://proxy.lab:3128\nAcquire::x", /control|whitespace/],
  ])("%j is refused", (value, error) => {
    const checked = checkProxyUrl(value);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.error).toMatch(error);
  });

  it("no-proxy lists: hosts, domains, CIDRs; nothing that could break a config line", () => {
    expect(checkNoProxy("localhost, .lab ,10.0.0.0/8,*.corp")).toEqual({
      ok: true,
      url: "localhost,.lab,10.0.0.0/8,*.corp",
    });
    expect(checkNoProxy("a,,b").ok).toBe(false);
    expect(checkNoProxy('a";b').ok).toBe(false);
  });

  it("credentials are never shown; loopback is recognised", () => {
    expect(shownProxy("http://vla:s3cret@10.0.0.1:3128")).toBe(
      "http://[credentials]@10.0.0.1:3128",
    );
    expect(isLoopbackProxy({ url: "http://127.0.0.1:7897", noProxy: "" })).toBe(true);
    expect(isLoopbackProxy({ url: "http://localhost:7897", noProxy: "" })).toBe(true);
    expect(isLoopbackProxy({ url: "http://[::1]:7897", noProxy: "" })).toBe(true);
    expect(isLoopbackProxy({ url: "http://172.17.0.1:7897", noProxy: "" })).toBe(false);
  });
});

describe("which proxy a run keeps", () => {
  const env = { https_proxy: "http://127.0.0.1:7897", no_proxy: "localhost,.lab" };

  it("--proxy wins, --proxy none removes, a local run takes the environment's", () => {
    const setting = { url: "http://p:1", noProxy: "localhost" };
    expect(decideProxy({ proxy: setting }, true, env)).toEqual({ setting, from: "--proxy" });
    expect(decideProxy({ proxy: "none" }, true, env)).toBe("remove");
    expect(decideProxy({}, true, env)).toEqual({
      setting: { url: "http://127.0.0.1:7897", noProxy: "localhost,.lab" },
      from: "your environment",
    });
  });

  it("over SSH, a login's own variables serve the run only", () => {
    expect(decideProxy({}, false, env)).toBeUndefined();
    expect(proxyFromEnvironment({})).toBeUndefined();
    expect(proxyFromEnvironment({ HTTP_PROXY: "not a url" })).toBeUndefined();
  });
});

describe("setting one key of a user's JSON file", () => {
  it("keeps every other key, at every level", () => {
    const config = {
      auths: { "r.lab": { auth: "x" } },
      proxies: { "tcp://other:2376": { httpProxy: "http://o:1" }, default: { httpProxy: "old" } },
    };
    expect(withValueAt(config, ["proxies", "default"], { httpProxy: "new" })).toEqual({
      auths: { "r.lab": { auth: "x" } },
      proxies: { "tcp://other:2376": { httpProxy: "http://o:1" }, default: { httpProxy: "new" } },
    });
    expect(withValueAt({}, ["proxies", "default"], 1)).toEqual({ proxies: { default: 1 } });
  });
});
