import { faultRandom } from "@edge-saga/shared";
import { z } from "zod";

/**
 * The sandbox's seeded faults, for chaos runs and tests (only when `FAULTS_ENABLED` is "true").
 * The plan and its per-point draw counters live in the processor's SQLite storage and are read
 * and written in the same synchronous section as the POST they decide, so a seed replays the
 * same sequence: draw n of a point is `faultRandom(seed, point, n)`, one draw per point per POST.
 */
export const PSP_FAULT_POINTS = [
  /** The POST fails with a 500 before anything is committed or stored under its key. */
  "psp.error",
  /** The POST is committed and its answer stored, then the answer comes `hangMs` late. */
  "psp.timeout-after-commit",
] as const;

export type PspFaultPoint = (typeof PSP_FAULT_POINTS)[number];

export const DEFAULT_HANG_MS = 10_000;

export const PspFaultPlanSchema = z
  .object({
    seed: z.number().int(),
    probabilities: z.partialRecord(z.enum(PSP_FAULT_POINTS), z.number().min(0).max(1)),
    /** How late a `psp.timeout-after-commit` answer comes (longer than the caller waits). */
    hangMs: z.number().int().min(10).max(120_000).optional(),
  })
  .strict();

export type PspFaultPlan = z.infer<typeof PspFaultPlanSchema>;

export interface PspFaultReport {
  enabled: boolean;
  plan: PspFaultPlan | null;
  /** Faults injected since the plan was set, by point. */
  injected: Partial<Record<PspFaultPoint, number>>;
}

/** What the draws of one POST decided. */
export interface FaultDecision {
  error: boolean;
  /** Milliseconds the front waits before answering, or null. */
  hangMs: number | null;
}

export const NO_FAULT: FaultDecision = { error: false, hangMs: null };

interface FaultState {
  plan: PspFaultPlan;
  draws: Partial<Record<PspFaultPoint, number>>;
  injected: Partial<Record<PspFaultPoint, number>>;
}

export const FAULTS_SCHEMA = `CREATE TABLE IF NOT EXISTS faults (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  state TEXT NOT NULL
);`;

function load(sql: SqlStorage): FaultState | null {
  const row = sql.exec<{ state: string }>("SELECT state FROM faults WHERE id = 1").toArray()[0];
  return row ? (JSON.parse(row.state) as FaultState) : null;
}

function save(sql: SqlStorage, state: FaultState): void {
  sql.exec("INSERT OR REPLACE INTO faults (id, state) VALUES (1, ?)", JSON.stringify(state));
}

export function faultReport(sql: SqlStorage): PspFaultReport {
  const state = load(sql);
  return { enabled: true, plan: state?.plan ?? null, injected: state?.injected ?? {} };
}

/** Replaces the plan; draws and counts start from zero, so a seed replays its decisions. */
export function setFaultPlan(sql: SqlStorage, plan: PspFaultPlan): PspFaultReport {
  save(sql, { plan, draws: {}, injected: {} });
  return faultReport(sql);
}

export function clearFaultPlan(sql: SqlStorage): PspFaultReport {
  sql.exec("DELETE FROM faults");
  return faultReport(sql);
}

/**
 * The decision for one POST. Both points draw on every POST, whatever the other decided, so
 * each point's stream stays aligned with the POSTs; an injected error wins over a late answer.
 */
export function drawFaults(sql: SqlStorage): FaultDecision {
  const state = load(sql);
  if (!state) return NO_FAULT;
  const hit = (point: PspFaultPoint) => {
    const n = state.draws[point] ?? 0;
    state.draws[point] = n + 1;
    return faultRandom(state.plan.seed, point, n) < (state.plan.probabilities[point] ?? 0);
  };
  const error = hit("psp.error");
  const late = hit("psp.timeout-after-commit") && !error;
  const injected = error ? "psp.error" : late ? "psp.timeout-after-commit" : null;
  if (injected) state.injected[injected] = (state.injected[injected] ?? 0) + 1;
  save(sql, state);
  return { error, hangMs: late ? (state.plan.hangMs ?? DEFAULT_HANG_MS) : null };
}
