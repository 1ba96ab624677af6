/**
 * The points where a decorator may change what the relay does; the plain relay's hooks do
 * nothing. Fault injection (relay-faults.ts) is the one decorator, mounted by the relay only
 * when FAULTS_ENABLED is "true": the drain modules see hooks, never faults.
 */
export interface RelayHooks {
  /** Whether this poke is dropped on the floor (as a lost RPC would be). */
  pokeLost(): Promise<boolean>;
  /** Before a run: may throw, failing the run. */
  beforeRun(): Promise<void>;
  /** After a page's sends resolved, before it is marked: may throw (a crash after sending). */
  afterPageSent(): Promise<void>;
  /** The send timeout to use, given the configured one. */
  sendTimeoutMs(configured: number): Promise<number>;
  /** One chunk to one queue, through `send` (the wire). */
  publish(
    send: (messages: MessageSendRequest[]) => Promise<void>,
    messages: MessageSendRequest[],
  ): Promise<void>;
}

export const PLAIN_HOOKS: RelayHooks = {
  pokeLost: async () => false,
  beforeRun: async () => undefined,
  afterPageSent: async () => undefined,
  sendTimeoutMs: async (configured) => configured,
  publish: (send, messages) => send(messages),
};

/**
 * When the relay runs: on demand (pokes, and whenever work falls due), unless a decorator says
 * otherwise (`OutboxRelay.schedule()`: the bench's polling baseline, shared/bench).
 */
export interface RelaySchedule {
  /** Whether pokes are ignored (the relay drains on its own clock). */
  ignoresPokes(): Promise<boolean>;
  /** When the alarm next runs, given when work is next due (null: nothing due). */
  nextRun(due: number | null): Promise<number | null>;
}

export const ON_DEMAND: RelaySchedule = {
  ignoresPokes: async () => false,
  nextRun: async (due) => due,
};
