import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { parse } from "smol-toml";
import { afterAll, describe, expect, it } from "vitest";
import * as kit from "../../shared/src/shards/shard-routing";
import {
  assertStateShards,
  localD1File,
  migratedTemplateName,
  migrateServices,
  SERVICES,
  SHARDS_FILE,
  serviceConfigs,
  stateShards,
  withShards,
} from "../lib/local-stack";
import { dbBindingOf, MAX_SHARDS, parseShards } from "../lib/shards";
import { wrangler } from "../lib/wrangler";

const scratch = mkdtempSync(join(tmpdir(), "edge-saga-shards-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Config {
  name: string;
  main: string;
  vars: Record<string, string>;
  d1_databases: {
    binding: string;
    database_name: string;
    database_id: string;
    migrations_dir: string;
  }[];
  [key: string]: unknown;
}
const read = (file: string) =>
  parse(
    readFileSync(file.startsWith("/") ? file : join(__dirname, "../..", file), "utf8"),
  ) as unknown as Config;

describe("local stack on N shards: the config copies", () => {
  it("give each stateful service DB_1 .. DB_{N-1} beside DB, same migrations, own name and id, and SHARDS", () => {
    const copies = serviceConfigs({}, join(scratch, "configs-4"), 4);
    const ids = new Set<string>();
    for (const service of SERVICES) {
      const committed = read(`workers/${service}/wrangler.toml`);
      const copy = read(copies[service]);
      const [db] = committed.d1_databases;
      expect(copy.vars, service).toEqual({ ...committed.vars, SHARDS: "4" });
      expect(copy.main).toBe(join(__dirname, "../../workers", service, "src/index.ts"));
      expect(
        copy.d1_databases.map((d) => [d.binding, d.database_name, d.database_id]),
        service,
      ).toEqual(
        [0, 1, 2, 3].map((i) => [
          i === 0 ? "DB" : `DB_${i}`,
          i === 0 ? db?.database_name : `${db?.database_name}-shard-${i}`,
          i === 0 ? db?.database_id : `${db?.database_id}-shard-${i}`,
        ]),
      );
      const dirs = new Set(copy.d1_databases.map((d) => d.migrations_dir));
      expect([...dirs]).toEqual([join(__dirname, "../../workers", service, "migrations")]);
      for (const d of copy.d1_databases) ids.add(d.database_id);
      // Nothing else of the config changes.
      const { vars: _v, d1_databases: _d, main: _m, ...rest } = copy;
      const { vars: _cv, d1_databases: _cd, main: _cm, ...committedRest } = committed;
      expect(rest, service).toEqual(committedRest);
    }
    // Local D1 keys a database's file by its id: 20 ids, 20 files.
    expect(ids.size).toBe(SERVICES.length * 4);
  });

  it("leave one shard as committed: no copy without vars, no SHARDS var and no extra binding with them", () => {
    const plain = serviceConfigs({}, join(scratch, "configs-1"));
    for (const service of SERVICES) expect(plain[service]).toBe(`workers/${service}/wrangler.toml`);
    const withVars = serviceConfigs({ LOG_LEVEL: "warn" }, join(scratch, "configs-1v"), 1);
    for (const service of SERVICES) {
      const copy = read(withVars[service]);
      expect(copy.vars).not.toHaveProperty("SHARDS");
      expect(copy.d1_databases.map((d) => d.binding)).toEqual(["DB"]);
    }
    const order = read("workers/order/wrangler.toml");
    expect(withShards(order, 1)).toBe(order);
  });

  it("use the kit's names and bounds", () => {
    expect(MAX_SHARDS).toBe(kit.MAX_SHARDS);
    expect([0, 1, 7].map(dbBindingOf)).toEqual(["DB", "DB_1", "DB_7"]);
  });

  it("take --shards N from 1 to 256 and refuse anything else, saying so", () => {
    expect(parseShards(undefined)).toBe(1);
    expect(parseShards("")).toBe(1);
    expect(parseShards("4")).toBe(4);
    expect(parseShards("256")).toBe(256);
    for (const bad of ["0", "257", "2.5", "-1", "four", "4x", "1e2"])
      expect(() => parseShards(bad, "E2E_SHARDS"), bad).toThrow(
        /E2E_SHARDS must be a whole number from 1 to 256/,
      );
    expect(() => withShards(read("workers/order/wrangler.toml"), 0)).toThrow(/from 1 to 256/);
  });

  it("keep one migrated template per shard count", () => {
    expect(migratedTemplateName("abc", 1)).toBe("edge-saga-migrated-abc");
    expect(migratedTemplateName("abc", 4)).toBe("edge-saga-migrated-abc-shards-4");
  });

  it("refuse a state dir made with another shard count", () => {
    const fresh = join(scratch, "fresh");
    expect(stateShards(fresh)).toBeUndefined();
    assertStateShards(fresh, 4);
    // A state from before shards (its D1 folder, no record) has one.
    const old = join(scratch, "old", "v3", "d1");
    mkdirSync(old, { recursive: true });
    expect(stateShards(join(scratch, "old"))).toBe(1);
    expect(() => assertStateShards(join(scratch, "old"), 2)).toThrow(
      /made with 1 shard, not 2: start with --shards 1, or wipe it/,
    );
    writeFileSync(join(scratch, "old", SHARDS_FILE), JSON.stringify({ shards: 2 }));
    expect(stateShards(join(scratch, "old"))).toBe(2);
    assertStateShards(join(scratch, "old"), 2);
  });
});

describe("local stack on N shards: the state dir", () => {
  it("holds one migrated SQLite database per shard, each the one its binding reads", async () => {
    const persistDir = join(scratch, "state");
    const configs = serviceConfigs({}, join(scratch, "configs-3"), 3);
    const log = join(scratch, "migrate.log");
    const env = { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" };
    // One service (the view: fewest migrations) keeps it cheap: each wrangler run boots workerd.
    await migrateServices(persistDir, {
      configs,
      shards: 3,
      logFile: log,
      env,
      services: ["view"],
    });
    const dir = join(persistDir, "v3", "d1", "miniflare-D1DatabaseObject");
    const files = readdirSync(dir).filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
    expect(files).toHaveLength(3);
    const ids = read(configs.view).d1_databases.map((d) => d.database_id);
    expect(files.sort()).toEqual(ids.map((id) => basename(localD1File(persistDir, id))).sort());
    const migrations = readdirSync(join(__dirname, "../../workers/view/migrations"))
      .filter((f) => f.endsWith(".sql"))
      .sort();
    expect(migrations.length).toBeGreaterThan(0);
    // What wrangler (as wrangler dev) reads through the last shard's binding: every migration.
    const viaBinding = wrangler([
      ...["d1", "execute", "DB_2", "--local", "--json", "--persist-to", persistDir],
      ...["-c", configs.view, "--command", "SELECT name FROM d1_migrations ORDER BY id"],
    ]);
    expect(viaBinding.status, viaBinding.stderr).toBe(0);
    const [{ results }] = JSON.parse(viaBinding.stdout) as [{ results: { name: string }[] }];
    expect(results.map((row) => row.name)).toEqual(migrations);
  }, 180_000);
});
