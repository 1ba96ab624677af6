/** A minimal JSON client of the gateway for the chaos run and `npm run check`. */
export class Gateway {
  constructor(
    readonly baseUrl: string,
    readonly adminToken: string,
  ) {}

  async call<T = unknown>(
    method: string,
    path: string,
    options: { body?: unknown; admin?: boolean; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; body: T; headers: Headers }> {
    const headers: Record<string, string> = { accept: "application/json", ...options.headers };
    if (options.admin) headers.authorization = `Bearer ${this.adminToken}`;
    if (options.body !== undefined) headers["content-type"] = "application/json";
    const send = () =>
      fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(60_000),
      });
    // The local dev proxy sometimes resets a connection under load: reads and the (idempotent)
    // maintenance poke are resent; anything else fails as before.
    const resendable = method === "GET" || path.endsWith("/maintenance");
    let res: Response | undefined;
    for (let attempt = 1; !res; attempt++) {
      try {
        res = await send();
      } catch (error) {
        if (!resendable || attempt >= 3) throw error;
      }
    }
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: body as T, headers: res.headers };
  }

  /** Like `call`, but any status outside `ok` throws with the answer. */
  async expect<T = unknown>(
    ok: number[],
    method: string,
    path: string,
    options?: Parameters<Gateway["call"]>[2],
  ): Promise<T> {
    const answer = await this.call<T>(method, path, options);
    if (!ok.includes(answer.status))
      throw new Error(
        `${method} ${path}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 500)}`,
      );
    return answer.body;
  }
}
