/** Pure parts of the deploy: what must exist, and how configs are brought up to date. */

export const SERVICES = ["order", "inventory", "rewards", "view"] as const;
export type Service = (typeof SERVICES)[number];

export const databaseName = (service: Service) => `edge-saga-${service}`;
/** Every inbox queue and its dead-letter queue. */
export const queueNames = () => SERVICES.flatMap((s) => [`${s}-inbox`, `${s}-inbox-dlq`]);

/** Placeholder ids in the committed configs: local dev only, never deployable. */
export const isPlaceholderId = (id: string) => /^0{8}-0{4}-0{4}-0{4}-\d{12}$/.test(id);

export function databaseIdOf(toml: string): string | undefined {
  return /^database_id\s*=\s*"([^"]*)"/m.exec(toml)?.[1];
}

/** The config with its (single) D1 `database_id` set to `id`; everything else untouched. */
export function withDatabaseId(toml: string, id: string): string {
  if (databaseIdOf(toml) === undefined) throw new Error("config has no database_id");
  return toml.replace(/^database_id\s*=\s*"[^"]*"/m, `database_id = "${id}"`);
}

/**
 * The admin token guards every write an operator can make; refuse the local default and
 * anything short enough to guess.
 */
export function adminTokenProblem(token: string | undefined): string | null {
  if (!token) return "ADMIN_TOKEN is not set";
  if (token === "dev-admin-token") return "ADMIN_TOKEN is the local development token";
  if (token.length < 24) return "ADMIN_TOKEN must be at least 24 characters";
  if (/\s/.test(token)) return "ADMIN_TOKEN must not contain whitespace";
  return null;
}

/** Variables that switch on test-only code paths; local-stack sets them in temporary config copies. */
export const DEV_ONLY_VARS = ["FAULTS_ENABLED", "BENCH_BASELINES_ENABLED"] as const;

/**
 * Fault injection (chaos runs) and the unsafe benchmark baselines are for local runs only:
 * a config that defines one of their switches (in `[vars]`, inline or in any environment's
 * vars) must never be deployed.
 */
export function devOnlyVarsProblem(toml: string, file: string): string | null {
  const found = DEV_ONLY_VARS.find((name) => new RegExp(`^[^#\\n]*\\b${name}\\b`, "m").test(toml));
  if (!found) return null;
  const what = found === "FAULTS_ENABLED" ? "fault injection" : "the unsafe benchmark baselines";
  return `${file} defines ${found}: ${what} must never be deployed`;
}
