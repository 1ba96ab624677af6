import { faultsEnabled, InjectedFault } from "../faults/faults";
import { type OutboxRelay, relayStub } from "../relay/outbox-relay";

// biome-ignore lint/suspicious/noExplicitAny: any relay subclass, whatever its Env
export type AnyRelayNamespace = DurableObjectNamespace<OutboxRelay<any>>;

/** The env's only Durable Object namespace: a service's relay. */
function soleDurableObjectNamespace(env: unknown): AnyRelayNamespace | undefined {
  if (typeof env !== "object" || env === null) return undefined;
  const namespaces = Object.values(env).filter(
    (value) =>
      typeof value === "object" &&
      value !== null &&
      (value as object).constructor?.name === "DurableObjectNamespace",
  );
  return namespaces.length === 1 ? (namespaces[0] as AnyRelayNamespace) : undefined;
}

/**
 * `consumer.throw-after-commit`: a crash between the commit and the ack. Undefined (no
 * I/O) unless FAULTS_ENABLED and the plan uses the point; then a function to call after each
 * commit, which draws once per batch (at the first commit) and throws when the draw says crash.
 * Once per batch, because a crash takes down an invocation, not an event: drawn per event, a
 * batch of 100 under load crashed nearly every time and the local broker, which redelivers a
 * failed batch whole, sent copies of copies.
 */
export async function crashAfterCommitPoint(
  env: unknown,
  relay: AnyRelayNamespace | undefined,
): Promise<(() => Promise<void>) | undefined> {
  if (!faultsEnabled(env)) return undefined;
  const namespace = relay ?? soleDurableObjectNamespace(env);
  if (!namespace) return undefined;
  const stub = relayStub(namespace);
  if (!(await stub.faultArmed("consumer.throw-after-commit"))) return undefined;
  let drawn = false;
  return async () => {
    if (drawn) return;
    drawn = true;
    if (await stub.injectFault("consumer.throw-after-commit"))
      throw new InjectedFault("consumer.throw-after-commit");
  };
}

/** A stage between a message's commit and its ack, drawn per batch; undefined: nothing to do. */
export type BetweenCommitAndAck<Env> = (env: Env) => Promise<(() => Promise<void>) | undefined>;

/**
 * The consumer's fault stage (Watermill's `randomfail`): the crash between commit and ack.
 * Composed into every consumer, it costs nothing unless FAULTS_ENABLED is "true" (then it
 * asks the relay whether the plan uses the point, once per batch).
 * @example createConsumerCore(options, { betweenCommitAndAck: consumerFaultStage(options.relay) })
 */
export function consumerFaultStage<Env>(
  relay?: (env: Env) => AnyRelayNamespace,
): BetweenCommitAndAck<Env> {
  return async (env) => (faultsEnabled(env) ? crashAfterCommitPoint(env, relay?.(env)) : undefined);
}
