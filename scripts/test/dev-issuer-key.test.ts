import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { importJWK, jwtVerify, SignJWT } from "jose";
import { afterAll, describe, expect, it } from "vitest";
import { DEV_ISSUER_KEY_FILE, DEV_ISSUER_VAR, devIssuerKey, freePort } from "../lib/local-stack";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "edge-saga-issuer-test-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("the dev issuer key of a state dir", () => {
  it("is generated once, kept readable by its owner only, and the same on the next start", () => {
    const dir = tempDir();
    const key = devIssuerKey(dir);
    expect(key).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256" });
    expect(key.d).toBeTruthy();
    expect(statSync(join(dir, DEV_ISSUER_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(devIssuerKey(dir)).toEqual(key);
  });

  it("differs between state dirs, kid and key", () => {
    const a = devIssuerKey(tempDir());
    const b = devIssuerKey(tempDir());
    expect(a.kid).not.toBe(b.kid);
    expect(a.d).not.toBe(b.d);
  });

  it("signs ES256 tokens that its public half verifies", async () => {
    const key = devIssuerKey(tempDir());
    const { d: _private, ...publicJwk } = key;
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: "ES256", kid: key.kid })
      .setSubject("alice")
      .sign(await importJWK(key, "ES256"));
    const { payload, protectedHeader } = await jwtVerify(
      token,
      await importJWK(publicJwk, "ES256"),
    );
    expect(payload.sub).toBe("alice");
    expect(protectedHeader.kid).toBe(key.kid);
  });

  // local-stack passes the key as `--var AUTH_DEV_ISSUER_KEY:<json>`: a JSON full of ":" must
  // reach the Worker byte for byte through wrangler's own parsing of the flag.
  it("reaches a Worker whole through `wrangler dev --var`", async () => {
    const dir = tempDir();
    const key = devIssuerKey(dir);
    writeFileSync(
      join(dir, "echo.js"),
      `export default { fetch: (_req, env) => new Response(env.${DEV_ISSUER_VAR}) };\n`,
    );
    writeFileSync(
      join(dir, "wrangler.toml"),
      'name = "echo"\nmain = "echo.js"\ncompatibility_date = "2026-04-20"\n',
    );
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js"),
        ...["dev", "-c", join(dir, "wrangler.toml"), "--port", String(port)],
        ...["--ip", "127.0.0.1", "--inspector-port", String(await freePort())],
        ...["--persist-to", join(dir, "state")],
        ...["--var", `${DEV_ISSUER_VAR}:${JSON.stringify(key)}`],
        "--show-interactive-dev-session=false",
      ],
      {
        cwd: dir,
        detached: true,
        stdio: "ignore",
        env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" },
      },
    );
    try {
      let seen: string | undefined;
      const deadline = Date.now() + 50_000;
      while (seen === undefined && Date.now() < deadline) {
        seen = await fetch(`http://127.0.0.1:${port}/`).then(
          (res) => res.text(),
          () => undefined,
        );
        if (seen === undefined) await new Promise((r) => setTimeout(r, 250));
      }
      expect(seen).toBe(JSON.stringify(key));
    } finally {
      if (child.pid) process.kill(-child.pid, "SIGKILL");
    }
  }, 60_000);
});
