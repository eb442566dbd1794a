/**
 * The eSMS fake lives in src/replay/fakes/esms.ts so that `henlai replay` can start it; tests keep
 * importing it from here.
 *
 * Standalone for the demo:  node --import tsx test/fakes/esms-fake.ts
 *   ESMS_FAKE_PORT (default 8792), ESMS_FAKE_LATENCY_MS; then
 *   SMS_API_BASE=http://127.0.0.1:8792/MainService.svc/json SMS_API_KEY=demo-key
 *   SMS_SECRET_KEY=demo-secret SMS_BRANDNAME=HENLAI SMS_CALLBACK_TOKEN=<24+ characters>
 */
import { startEsmsFake } from '../../src/replay/fakes/esms';

export * from '../../src/replay/fakes/esms';

if (require.main === module) {
  void startEsmsFake({
    apiKey: 'demo-key',
    secretKey: 'demo-secret',
    port: Number(process.env.ESMS_FAKE_PORT ?? 8792),
    latencyMs: Number(process.env.ESMS_FAKE_LATENCY_MS ?? 0),
    reportAfterMs: 1_000,
  }).then((f) => console.log(`eSMS fake on ${f.apiBase} (ApiKey demo-key, SecretKey demo-secret, brandname HENLAI)`));
}
