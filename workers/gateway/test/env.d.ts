// Types `exports.default` from "cloudflare:workers" as the gateway's default export.
declare namespace Cloudflare {
  interface GlobalProps {
    mainModule: typeof import("../src/index");
  }
}
