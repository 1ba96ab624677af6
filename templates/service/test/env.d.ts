// TEST_MIGRATIONS and INBOX_UNDER_TEST, the bindings every service's tests get. Declare the
// bindings this service's vitest.config.ts adds below, in `declare global`.
import "@edge-saga/kit-testing/service-test-env";
