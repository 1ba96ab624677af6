import { echoServices } from "../../shared/testing/config/echo-service.ts";
import { statelessTestConfig } from "../../shared/testing/config/service-vitest-config.ts";
// @ts-expect-error: a plain .mjs build script, no types of its own
import { buildGatewayAssets } from "./build.mjs";

// The assets directory wrangler.toml names must exist; wrangler builds it, the pool does not.
buildGatewayAssets();

export default statelessTestConfig("gateway", {
  configPath: "../../wrangler.toml",
  bindings: { ADMIN_TOKEN: "test-admin-token" },
  serviceBindings: echoServices("order", "inventory", "rewards", "payment", "view", "operations"),
});
