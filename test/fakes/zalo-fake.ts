/**
 * The Zalo fake lives in src/replay/fakes/zalo.ts so that `henlai replay` can start it; tests keep
 * importing it from here.
 *
 * Standalone for the demo:  node --import tsx test/fakes/zalo-fake.ts
 *   ZALO_FAKE_PORT (API port, OAuth on the next one; default 8790), ZALO_FAKE_LATENCY_MS,
 *   ZALO_FAKE_WEBHOOK_URL (e.g. http://127.0.0.1:3000/webhooks/zalo: delivery receipts are
 *   posted there 1 s after each accepted message), ZALO_FAKE_NIGHT=1 (refuse 22:00–06:00).
 */
import { DEFAULT_SCRIPTED, startZaloFake, type ZaloFake } from '../../src/replay/fakes/zalo';

export * from '../../src/replay/fakes/zalo';

/** The settings that point Hẹn Lại's Zalo channel at this fake (environment variables, as loadConfig reads them). */
export function zaloEnv(fake: ZaloFake): Record<string, string> {
  return {
    ZALO_APP_ID: fake.appId,
    ZALO_APP_SECRET: fake.appSecret,
    ZALO_OA_SECRET_KEY: fake.oaSecretKey,
    ZALO_API_BASE: fake.apiBase,
    ZALO_OAUTH_BASE: fake.oauthBase,
    ZALO_TEMPLATE_NEW_APPOINTMENT: fake.templateId,
    ZALO_REFRESH_TOKEN: fake.state.refreshToken,
  };
}

if (require.main === module) {
  const port = Number(process.env.ZALO_FAKE_PORT ?? 8790);
  startZaloFake({
    apiPort: port,
    oauthPort: port + 1,
    latencyMs: Number(process.env.ZALO_FAKE_LATENCY_MS ?? 0),
    webhookUrl: process.env.ZALO_FAKE_WEBHOOK_URL || undefined,
    nightWindow: process.env.ZALO_FAKE_NIGHT === '1',
    acceptUnknownRefreshTokens: true,
  })
    .then((fake) => {
      console.log('Zalo giả lập đang chạy. Dùng các thiết lập sau cho Hẹn Lại:');
      for (const [name, value] of Object.entries(zaloEnv(fake))) console.log(`  ${name}=${value}`);
      console.log('Số điện thoại có kịch bản lỗi: ' + Object.keys(DEFAULT_SCRIPTED).map((p) => `0${p.slice(2)}`).join(', '));
      if (process.env.ZALO_FAKE_WEBHOOK_URL) console.log(`Biên nhận đã nhận tin gửi tới ${process.env.ZALO_FAKE_WEBHOOK_URL}`);
      const shutdown = () => void fake.stop().then(() => process.exit(0));
      process.on('SIGINT', shutdown);
      process.on('SIGTERM', shutdown);
    })
    .catch((err: unknown) => {
      console.error(`Không khởi động được Zalo giả lập: ${String(err)}`);
      process.exit(1);
    });
}
