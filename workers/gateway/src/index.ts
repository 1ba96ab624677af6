import { app } from "./app";
import { runServiceMaintenance } from "./scheduled/run-service-maintenance";

/** The gateway Worker; the app and its routes are in app.ts. */
export default {
  fetch: app.fetch,
  scheduled(_controller, env, ctx) {
    ctx.waitUntil(runServiceMaintenance(env));
  },
} satisfies ExportedHandler<Env>;
