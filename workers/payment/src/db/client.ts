import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

/** This service's database through drizzle, with its schema for typed queries. */
export function database(env: { DB: D1Database }) {
  return drizzle(env.DB, { schema });
}
export type Database = ReturnType<typeof database>;
