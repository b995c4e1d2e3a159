import type { InitSystem } from "../../src/actions/types.js";
import type { Facts } from "../../src/facts/facts.js";

export function initSystem(facts: Facts): InitSystem {
  return facts.init.systemd ? "systemd" : "sysv";
}
