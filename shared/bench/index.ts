/**
 * `@edge-saga/shared/bench`: the kit's bench code, for bench entries and tests only (the layer
 * rules keep it out of production code). A service's bench entry wraps its real one:
 * @example import * as service from "../src/index";
 * export default benchWorker(service.default);
 * export const OutboxRelay = benchRelay(service.OutboxRelay);
 */
export { BENCH_BASELINE_HEADER, benchBaselinesEnabled } from "./baselines";
export { benchRoutes } from "./bench-routes";
export {
  type BenchWorkerOptions,
  benchDurableObject,
  benchRelay,
  benchWorker,
} from "./bench-worker";
export { countD1Calls, type D1CallCounts } from "./d1-calls";
export { noInvocations } from "./invocation-counts";
export {
  countQueueBatch,
  type InvocationCounts,
  invocationCounts,
} from "./invocations";
export { type PollingRelay, pollingRelay } from "./polling-baseline";
export { countQueueMessages, type QueueMessageCounts, queueOperationsOf } from "./queue-messages";
