import { app } from "./app";

/** The gateway Worker; the app and its routes are in app.ts. */
export default { fetch: app.fetch } satisfies ExportedHandler<Env>;
