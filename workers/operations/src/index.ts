import { app } from "./app";

/** The operations Worker: consistency checker, trace, dashboard and admin aggregates (app.ts). */
export default { fetch: app.fetch } satisfies ExportedHandler<Env>;
