/**
 * The V8 isolates of a local stack's workerd, reached through workerd's own inspector (not
 * wrangler's proxy on the stack's inspector port, which lists only the user Workers): every
 * Worker of the stack and miniflare's internal ones (D1 databases, the queue broker, ...). Speaks
 * the Chrome DevTools Protocol over the global WebSocket (Node 20: `--experimental-websocket`).
 */
import { createWriteStream, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { groupMembers } from "../processes";

/** One isolate as workerd's inspector lists it. */
export interface Isolate {
  /** e.g. `core:user:edge-saga-order` (a Worker of ours) or `core:user:__miniflare_...`. */
  id: string;
  webSocketDebuggerUrl: string;
}

/** V8's own count of an isolate's heap (`Runtime.getHeapUsage`), bytes. */
export interface HeapUsage {
  usedSize: number;
  totalSize: number;
}

/** The workerd processes of the stack whose process group leader is `stackPid`. */
export function workerdPids(stackPid: number): number[] {
  return groupMembers(stackPid).filter((pid) => commandLine(pid)[0]?.endsWith("/workerd"));
}

function commandLine(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  } catch {
    return [];
  }
}

/**
 * Where workerd `pid` serves its inspector. Miniflare starts it with `--inspector-addr=localhost:0`
 * and learns the port over a control pipe, so it is found as wrangler would not need to: among
 * the process's listening TCP sockets, the one that answers `GET /json` with a list of isolates.
 * Undefined for a workerd with no inspector (wrangler's own proxy runs one).
 */
export async function inspectorAddress(pid: number): Promise<string | undefined> {
  if (!commandLine(pid).some((arg) => arg.startsWith("--inspector-addr="))) return undefined;
  for (const port of listeningPorts(pid)) {
    const address = `127.0.0.1:${port}`;
    try {
      const res = await fetch(`http://${address}/json`, { signal: AbortSignal.timeout(2_000) });
      const body = (await res.json()) as unknown;
      if (Array.isArray(body) && body.every((entry) => typeof entry?.id === "string"))
        return address;
    } catch {
      // another of its sockets (the entry, the debug port, ...)
    }
  }
  return undefined;
}

/** Ports of the TCP sockets process `pid` listens on (IPv4 and IPv6), from /proc. */
export function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
        if (inode) inodes.add(inode);
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    return [];
  }
  const ports: number[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let lines: string[];
    try {
      lines = readFileSync(table, "utf8").trim().split("\n").slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      const fields = line.trim().split(/\s+/);
      // local_address is "HEXIP:HEXPORT"; state 0A is LISTEN; field 9 the socket's inode.
      if (fields[3] !== "0A" || !inodes.has(fields[9] ?? "")) continue;
      ports.push(Number.parseInt(fields[1]?.split(":")[1] ?? "", 16));
    }
  }
  return ports;
}

export async function listIsolates(address: string): Promise<Isolate[]> {
  const res = await fetch(`http://${address}/json`, { signal: AbortSignal.timeout(10_000) });
  const list = (await res.json()) as { id: string }[];
  // workerd answers with its own host; the address we reached it on is the one to use.
  return list.map(({ id }) => ({ id, webSocketDebuggerUrl: `ws://${address}/${id}` }));
}

/** A DevTools Protocol session with one isolate: numbered calls, events to a listener. */
export class InspectorSession {
  private next = 1;
  private readonly pending = new Map<
    number,
    { resolve: (result: unknown) => void; reject: (error: Error) => void }
  >();
  private readonly listeners = new Map<string, (params: unknown) => void>();

  private constructor(private readonly socket: WebSocket) {
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(String(event.data)) as {
        id?: number;
        method?: string;
        params?: unknown;
        result?: unknown;
        error?: { message: string };
      };
      if (message.id !== undefined) {
        const call = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.error) call?.reject(new Error(message.error.message));
        else call?.resolve(message.result);
      } else if (message.method) this.listeners.get(message.method)?.(message.params);
    });
    socket.addEventListener("close", () => {
      for (const call of this.pending.values()) call.reject(new Error("inspector closed"));
      this.pending.clear();
    });
  }

  static open(url: string, timeoutMs = 10_000): Promise<InspectorSession> {
    if (typeof WebSocket === "undefined")
      throw new Error("no global WebSocket: run Node 20 with --experimental-websocket");
    const socket = new WebSocket(url);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.close();
        reject(new Error(`inspector ${url} did not open within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.addEventListener("open", () => {
        clearTimeout(timer);
        resolve(new InspectorSession(socket));
      });
      socket.addEventListener("error", () => {
        clearTimeout(timer);
        reject(new Error(`inspector ${url} refused the connection`));
      });
    });
  }

  call<T>(method: string, params: object = {}, timeoutMs = 120_000): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (result) => {
          clearTimeout(timer);
          resolve(result as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  on(method: string, listener: (params: unknown) => void) {
    this.listeners.set(method, listener);
  }

  close() {
    this.socket.close();
  }
}

/** Heap in use after a full GC: what the isolate retains, not what it has yet to collect. */
export async function heapUsage(session: InspectorSession, timeoutMs = 30_000): Promise<HeapUsage> {
  await session.call("HeapProfiler.collectGarbage", {}, timeoutMs);
  return session.call<HeapUsage>("Runtime.getHeapUsage", {}, timeoutMs);
}

/**
 * Writes a heap snapshot of the session's isolate to `file` (the `.heapsnapshot` JSON DevTools
 * loads), streamed chunk by chunk as V8 sends it. V8 collects garbage before it snapshots.
 */
export async function takeHeapSnapshot(session: InspectorSession, file: string): Promise<void> {
  const out = createWriteStream(file);
  session.on("HeapProfiler.addHeapSnapshotChunk", (params) => {
    out.write((params as { chunk: string }).chunk);
  });
  try {
    await session.call("HeapProfiler.takeHeapSnapshot", { reportProgress: false }, 600_000);
  } finally {
    await new Promise<void>((resolve, reject) =>
      out.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
  }
}
