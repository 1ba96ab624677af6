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
 * I/O) unless FAULTS_ENABLED and the plan uses the point; then a function that draws once
 * per committed message and throws when the draw says crash.
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
  return async () => {
    if (await stub.injectFault("consumer.throw-after-commit"))
      throw new InjectedFault("consumer.throw-after-commit");
  };
}
