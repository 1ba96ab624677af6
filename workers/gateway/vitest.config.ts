import { generateKeyPairSync } from "node:crypto";
import { echoServices } from "../../shared/testing/config/echo-service.ts";
import { statelessTestConfig } from "../../shared/testing/config/service-vitest-config.ts";
// @ts-expect-error: a plain .mjs build script, no types of its own
import { buildGatewayAssets } from "./build.mjs";

// The assets directory wrangler.toml names must exist; wrangler builds it, the pool does not.
buildGatewayAssets();

/** The dev issuer's key for this run (as a local stack makes one per state dir). */
const devIssuerKey = {
  ...generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" }),
  kid: "gateway-test-dev-key",
};

export default statelessTestConfig("gateway", {
  configPath: "../../wrangler.toml",
  bindings: { ADMIN_TOKEN: "test-admin-token", AUTH_DEV_ISSUER_KEY: JSON.stringify(devIssuerKey) },
  serviceBindings: echoServices("order", "inventory", "rewards", "payment", "view", "operations"),
});
