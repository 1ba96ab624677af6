import { echoServices } from "../../shared/testing/config/echo-service.ts";
import { statelessTestConfig } from "../../shared/testing/config/service-vitest-config.ts";
// @ts-expect-error: a plain .mjs build script, no types of its own
import { buildDashboard } from "./build.mjs";

// The Worker imports the dashboard's bundle (public/dashboard.js.txt): wrangler builds it
// before bundling (wrangler.toml [build]), the pool does not.
buildDashboard();

/** The operations Worker over stand-in services; tests replace one where they need its answers. */
export default statelessTestConfig("operations", {
  serviceBindings: echoServices("order", "inventory", "rewards", "payment", "view", "psp"),
});
