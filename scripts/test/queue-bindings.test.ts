import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { catalog } from "@edge-saga/contracts";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { inboxBindingOf } from "../../shared/src/receipts/inbox-binding";
import { ROOT } from "../lib/wrangler";

/**
 * Every queue a relay or a consumer sends to must be bound in the sender's wrangler.toml: a
 * producer binds each subscriber's inbox (`<SUBSCRIBER>_INBOX`, its events), and a subscriber
 * binds each producer's inbox (its receipts). A missing one only stops those sends at run time
 * (logged and counted, never the whole outbox), but nothing would deliver them: caught here.
 */

type Config = { queues?: { producers?: { binding: string; queue: string }[] } };

/** `<service>: <BINDING> (why)` for each binding the catalog needs that `configOf` lacks. */
function missingBindings(configOf: (service: string) => Config | undefined): string[] {
  const missing: string[] = [];
  const need = (sender: string, receiver: string, why: string) => {
    const config = configOf(sender);
    const bound = config?.queues?.producers?.some((p) => p.binding === inboxBindingOf(receiver));
    if (!config) missing.push(`${sender}: no wrangler.toml`);
    else if (!bound) missing.push(`${sender}: ${inboxBindingOf(receiver)} (${why})`);
  };
  for (const { type, producer, subscribers } of catalog.definitions)
    for (const subscriber of subscribers) {
      need(producer, subscriber, `${type} to ${subscriber}`);
      need(subscriber, producer, `receipts of ${type} to ${producer}`);
    }
  return [...new Set(missing)];
}

const committed = (service: string): Config | undefined => {
  const file = join(ROOT, "workers", service, "wrangler.toml");
  return existsSync(file) ? (parse(readFileSync(file, "utf8")) as Config) : undefined;
};

describe("queue bindings of every service's wrangler.toml", () => {
  it("bind every subscriber's inbox in its producer, and every producer's inbox in its subscribers", () => {
    expect(missingBindings(committed)).toEqual([]);
  });

  it("name a binding removed from a config, and only that one", () => {
    const withoutViewInbox = (service: string) => {
      const config = committed(service);
      if (service !== "payment" || !config?.queues?.producers) return config;
      const producers = config.queues.producers.filter((p) => p.binding !== "VIEW_INBOX");
      return { ...config, queues: { ...config.queues, producers } };
    };
    const missing = missingBindings(withoutViewInbox);
    expect(missing.length).toBeGreaterThan(0);
    expect(missing.every((line) => line.startsWith("payment: VIEW_INBOX (Payment"))).toBe(true);
  });
});
