import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Command } from 'commander';
import { loadConfig, type Config } from './config';
import { createDb, migrateLatest, type Db } from './db/connection';
import { warnIfAutovacuumOff } from './db/autovacuum';
import { createLogger, type Logger } from './logger';
import { buildServices, type Services } from './compose';
import { systemClock, type Clock } from './clock';
import { VirtualClock } from './replay/virtual-clock';
import { SYSTEM_ACTOR } from './domain/actor';
import { startServer } from './server';
import { runPeriodically } from './workers/periodic';
import { seedDemo, isEmpty } from './demo/seed';
import { createDemoAccounts } from './demo/accounts';
import { seedDemoSigning } from './demo/signing';
import { ROLE_LABELS } from './domain/access';
import { replayCommand } from './replay/command';

/**
 * The clock HENLAI_CLOCK names. The virtual one (a replay's simulated time) is read from the
 * database, so the migrations run first, and it follows the shared now until `stop`.
 */
async function openClock(config: Config, db: Db, logger: Logger): Promise<{ clock: Clock; stop(): Promise<void> }> {
  if (config.clock === 'system') return { clock: systemClock, stop: async () => undefined };
  await migrateLatest(db);
  const clock = await VirtualClock.open(db, { onError: (err) => logger.warn({ err }, 'virtual clock: the shared now could not be read; keeping the last one') });
  clock.start();
  logger.warn({ virtualNow: clock.now().toISOString() }, 'HENLAI_CLOCK=virtual: running on the simulated time of a replay');
  return { clock, stop: () => clock.stop() };
}

async function withServices<T>(config: Config, fn: (s: Services) => Promise<T>, logger = createLogger(config.logLevel)): Promise<T> {
  const db = createDb(config.database, logger);
  try {
    const clock = await openClock(config, db, logger);
    const services = buildServices(config, db, clock.clock, logger);
    try {
      return await fn(services);
    } finally {
      for (const channel of services.channels.values()) await channel.close();
      await services.pdf.close();
      await clock.stop();
    }
  } finally {
    await db.destroy();
  }
}

/**
 * A worker command (`dispatch`, `pull`): migrations, then the worker `start` returns a stop for,
 * running until SIGINT or SIGTERM, then stopped so that its work in flight finishes.
 */
async function runWorker(
  what: string,
  start: (s: Services, config: Config, logger: Logger) => () => Promise<void>,
): Promise<void> {
  await asService((config, logger) =>
    withServices(
      config,
      async (s) => {
        await migrateLatest(s.db);
        const stop = start(s, config, logger);
        logger.info(`${what}; Ctrl+C to stop`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await stop();
      },
      logger,
    ),
  );
}

/**
 * How often `henlai dispatch` looks for due notices: DISPATCH_INTERVAL_SECONDS, fractions
 * included (a replay's dispatchers look every 50 ms); 0, which turns the server's own
 * dispatcher off, means the default second for the command whose whole job is dispatching.
 */
function dispatchIntervalMs(config: Config): number {
  return config.dispatch.intervalSeconds > 0 ? config.dispatch.intervalSeconds * 1000 : 1000;
}

const demoTokenFile = (config: Config) => path.join(config.dataDir, 'demo-token.txt');
const demoAccountsFile = (config: Config) => path.join(config.dataDir, 'demo-accounts.txt');

async function loadDemo(s: Services, print: (line: string) => void): Promise<void> {
  const report = await seedDemo(s, s.clock.now());
  const accounts = await createDemoAccounts(s);
  await seedDemoSigning(s);
  fs.mkdirSync(s.config.dataDir, { recursive: true });
  fs.writeFileSync(demoTokenFile(s.config), `${report.token}\n`, { mode: 0o600 });
  const lines = accounts.map((a) => `${ROLE_LABELS[a.role].padEnd(20)} ${a.username.padEnd(10)} ${a.password}  (${a.fullName}${a.agencyCode ? `, ${a.agencyCode}` : ''})`);
  fs.writeFileSync(demoAccountsFile(s.config), `${lines.join('\n')}\n`, { mode: 0o600 });
  print(`Đã nạp dữ liệu mẫu: ${report.agencies} cơ quan, ${report.procedures} thủ tục, ${report.dossiers} hồ sơ, ${accounts.length} tài khoản.`);
}

/** The demo's sign-in accounts, printed at every start so that nobody has to look for them. */
function printDemoAccess(config: Config, print: (line: string) => void): void {
  if (fs.existsSync(demoAccountsFile(config))) {
    print(`Tài khoản mẫu (vai trò, tên đăng nhập, mật khẩu) — đăng nhập tại ${config.publicBaseUrl}/dang-nhap:`);
    for (const line of fs.readFileSync(demoAccountsFile(config), 'utf8').trim().split('\n')) print(`  ${line}`);
  }
  if (fs.existsSync(demoTokenFile(config))) {
    print(`Mã truy cập API mẫu: ${fs.readFileSync(demoTokenFile(config), 'utf8').trim()}`);
  }
}

/**
 * A process that keeps running (the server, the outbox worker): what it prints is the log stream
 * a collector reads, so every line is a JSON line — a setting refused at start, a database out of
 * reach, a crash, Node's own warnings included. Start-up failures end it with exit code 1.
 */
async function asService(run: (config: Config, logger: Logger) => Promise<void>): Promise<void> {
  // Until the settings are read, their log level is unknown.
  let logger = createLogger('info');
  const crash = (what: string) => (err: unknown) => {
    logger.fatal({ err }, what);
    process.exit(1);
  };
  process.on('uncaughtException', crash('uncaught exception'));
  process.on('unhandledRejection', crash('unhandled promise rejection'));
  // Node prints its warnings (deprecations and the like) as plain text unless someone else listens.
  process.removeAllListeners('warning');
  process.on('warning', (warning) => logger.warn({ err: warning }, warning.message));
  try {
    const config = loadConfig();
    logger = createLogger(config.logLevel);
    await run(config, logger);
  } catch (err) {
    logger.fatal({ err }, err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
}

export async function main(argv: string[]): Promise<void> {
  const program = new Command('henlai')
    .description('Hẹn Lại — theo dõi hạn giải quyết hồ sơ, thư xin lỗi và hẹn lại ngày trả kết quả')
    .showHelpAfterError();
  const print = (line: string) => process.stdout.write(`${line}\n`);

  program
    .command('serve')
    .description('chạy máy chủ web và API (áp dụng migration; nạp dữ liệu mẫu nếu cơ sở dữ liệu trống và HENLAI_DEMO khác 0)')
    .action(() =>
      asService(async (config, logger) => {
        const announce = (line: string) => logger.info(line);
        const db = createDb(config.database, logger);
        const s = buildServices(config, db, (await openClock(config, db, logger)).clock, logger);
        await migrateLatest(db);
        await warnIfAutovacuumOff(db, logger);
        if (config.demo && (await isEmpty(s))) await loadDemo(s, announce);
        const server = await startServer(s);
        const database = config.database.client === 'pg' ? 'PostgreSQL' : config.database.filename;
        // The port really listened on: PORT=0 lets the system pick one (the replay's servers: a
        // port picked for them beforehand could be taken before they listened), and whoever
        // started the process reads it here.
        // On a replay's virtual clock it is said at warn, as the clock's own line is: the replay
        // runs its servers at warn, since at info every request is logged.
        const { port } = server.address() as AddressInfo;
        logger[config.clock === 'virtual' ? 'warn' : 'info']({ url: config.publicBaseUrl, port, database }, `Hẹn Lại listening at ${config.publicBaseUrl} (port ${port}; database: ${database})`);
        if (config.demo && fs.existsSync(demoTokenFile(config))) {
          printDemoAccess(config, announce);
          announce(`Thử: curl -H "Authorization: Bearer <mã>" ${config.publicBaseUrl}/api/v1/dossiers?timeliness=overdue`);
        }
      }),
    );

  program
    .command('import')
    .argument('<file>', 'tệp .csv hoặc .xlsx (cột: xem README, mục "Nhập danh sách hồ sơ", và templates/import/danh-sach-ho-so.csv)')
    .description('nhập danh sách hồ sơ từ hệ thống một cửa khác: thêm mã mới, cập nhật mã đã có, báo từng dòng bị từ chối')
    .option('--batch <rows>', 'số dòng mỗi giao dịch', '5000')
    .action(async (file: string, opts: { batch: string }) => {
      const config = loadConfig();
      await withServices(config, async (s) => {
        await migrateLatest(s.db);
        const format = /\.xlsx$/i.test(file) ? 'xlsx' : /\.csv$/i.test(file) ? 'csv' : null;
        if (!format) throw new Error(`Chỉ nhận tệp .csv hoặc .xlsx: ${file}`);
        const started = Date.now();
        let shown = 0;
        const report = await s.imports.importDossiers(fs.createReadStream(file), format, {
          actor: { ...SYSTEM_ACTOR, name: `nhập tệp ${path.basename(file)}` },
          batchSize: Number(opts.batch),
          onProgress: (p) => {
            if (Date.now() - shown < 1000) return;
            shown = Date.now();
            process.stderr.write(`  đã đọc ${p.rowsRead.toLocaleString('vi-VN')} dòng: ${p.created.toLocaleString('vi-VN')} mới, ${p.updated.toLocaleString('vi-VN')} cập nhật, ${p.rejected.toLocaleString('vi-VN')} bị từ chối\n`);
          },
        });
        for (const r of report.rejections) print(r.field === '(dòng)' ? `dòng ${r.line} — ${r.reason}` : `dòng ${r.line}, cột ${r.field} — ${r.reason}`);
        if (report.rejected > report.rejections.length) print(`… và ${report.rejected - report.rejections.length} lỗi nữa`);
        print(
          `Đã đọc ${report.rowsRead} dòng trong ${((Date.now() - started) / 1000).toFixed(1)} giây: ${report.created} hồ sơ mới, ${report.updated} cập nhật, ${report.unchanged} không đổi, ${report.rejected} lỗi.`,
        );
        if (report.rejected) process.exitCode = 1;
      });
    });

  program
    .command('migrate')
    .description('áp dụng các migration còn thiếu')
    .action(async () => {
      // No services, hence no clock: a virtual one would migrate before this could report what it applied.
      const config = loadConfig();
      const db = createDb(config.database, createLogger(config.logLevel));
      try {
        const applied = await migrateLatest(db);
        print(applied.length ? `Đã áp dụng: ${applied.join(', ')}` : 'Cơ sở dữ liệu đã ở phiên bản mới nhất.');
      } finally {
        await db.destroy();
      }
    });

  program
    .command('seed-demo')
    .description('nạp dữ liệu mẫu Cần Thơ (chỉ khi cơ sở dữ liệu còn trống)')
    .action(async () => {
      const config = loadConfig();
      if (config.env === 'production') throw new Error('Không nạp dữ liệu mẫu ở chế độ production.');
      await withServices(config, async (s) => {
        await migrateLatest(s.db);
        if (!(await isEmpty(s))) throw new Error('Cơ sở dữ liệu đã có dữ liệu; dữ liệu mẫu chỉ nạp vào cơ sở dữ liệu trống.');
        await loadDemo(s, print);
        printDemoAccess(config, print);
      });
    });

  program
    .command('tick')
    .description('chạy bộ theo dõi hạn một lần: thư báo hồ sơ sắp đến hạn, xin lỗi hồ sơ trễ hạn, báo cáo hồ sơ trễ cả ngày hẹn lại')
    .action(async () => {
      const config = loadConfig();
      await withServices(config, async (s) => {
        await migrateLatest(s.db);
        const r = await s.watcher.tick();
        print(
          `Sắp đến hạn / quá hạn: ${r.atRisk} · thư báo cơ quan: ${r.digests} · thư xin lỗi soạn: ${r.drafted}, ban hành: ${r.issued} · ` +
            `báo cáo trễ lần hai: ${r.escalated} · PDF: ${r.pdfs} (chưa tạo được: ${r.pdfsFailed}) · không xử lý được: ${r.refused}`,
        );
      });
    });

  program
    .command('dispatch')
    .description('gửi các tin nhắn đang chờ (Zalo, thư điện tử); chạy liên tục, hoặc một lượt với --once')
    .option('--once', 'gửi một lượt rồi thoát')
    .action(async (opts: { once?: boolean }) => {
      if (opts.once) {
        await withServices(loadConfig(), async (s) => {
          await migrateLatest(s.db);
          const r = await s.dispatcher.runOnce();
          print(`Đã nhận ${r.claimed} tin · gửi ${r.sent} · đến nơi ${r.delivered} · thử lại sau ${r.retried} · lỗi hẳn ${r.failed} · chuyển kênh ${r.fallbacks} · thu hồi ${r.swept}`);
        });
        return;
      }
      await runWorker('dispatching notices', (s, config) => s.dispatcher.start(dispatchIntervalMs(config)));
    });

  program
    .command('pull')
    .description('lấy hồ sơ thay đổi từ các nguồn một cửa ở chế độ lấy hồ sơ; chạy liên tục, hoặc một lượt với --once')
    .option('--once', 'lấy một lượt rồi thoát')
    .action(async (opts: { once?: boolean }) => {
      const pullOnce = async (s: Services) => {
        for (const r of await s.interopPuller.runOnce()) {
          print(`${r.source}: ${r.pages} trang · ${r.items} hồ sơ · nhận ${r.accepted} · từ chối ${r.refused}${r.error ? ` · lỗi: ${r.error}` : ''}`);
        }
      };
      if (opts.once) {
        await withServices(loadConfig(), async (s) => {
          await migrateLatest(s.db);
          await pullOnce(s);
        });
        return;
      }
      await runWorker('pulling dossiers from one-stop sources', (s, config, logger) =>
        runPeriodically(
          () => s.interopPuller.runOnce(),
          Math.max(1, config.onestop.pullIntervalSeconds) * 1000,
          () => undefined,
          (err) => logger.warn({ err }, 'interop pull failed; the next run retries'),
        ),
      );
    });

  program.addCommand(replayCommand(print));

  const token = program.command('token').description('quản lý mã truy cập API');
  token
    .command('create')
    .description('tạo mã truy cập mới và in ra một lần duy nhất')
    .option('--agency <code>', 'giới hạn mã trong một cơ quan (mặc định: toàn hệ thống)')
    .option('--name <name>', 'tên gợi nhớ của mã', 'api')
    .action(async (opts: { agency?: string; name: string }) => {
      const config = loadConfig();
      await withServices(config, async (s) => {
        await migrateLatest(s.db);
        const { token: secret, record } = await s.tokens.create(opts.name, opts.agency ?? null, SYSTEM_ACTOR);
        print(secret);
        process.stderr.write(`Mã "${record.name}" (${opts.agency ? `cơ quan ${opts.agency}` : 'toàn hệ thống'}) — hãy lưu lại, mã sẽ không hiện lại.\n`);
      });
    });

  await program.parseAsync(argv);
}
