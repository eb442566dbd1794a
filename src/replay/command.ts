import { Command, InvalidArgumentError } from 'commander';
import { ReplayRefused, runReplay } from './run';
import { interruptOnSignals } from './interrupt';

function wholeNumber(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} phải là số nguyên ≥ ${min}`);
    return n;
  };
}

/**
 * `henlai replay`: a province-year (or any period) of dossiers through the whole service on a
 * virtual clock, under the parameters' faults; exit code 1 when the audit finds a broken promise.
 * Ctrl-C or SIGTERM stops it (src/replay/interrupt.ts): children stopped, no report, exit 130/143.
 */
export function replayCommand(print: (line: string) => void): Command {
  return new Command('replay')
    .description(
      'mô phỏng một năm hồ sơ của một tỉnh qua toàn bộ hệ thống trên đồng hồ mô phỏng, có sự cố theo lịch; kiểm toán và báo cáo (mã thoát 1 khi có cam kết bị vi phạm). Cơ sở dữ liệu được tạo mới: tệp SQLite trong --out, hoặc DATABASE_URL (PostgreSQL). Ctrl+C (SIGINT) hoặc SIGTERM dừng lần chạy: mọi tiến trình con được dừng, không có báo cáo (báo cáo cũ trong --out bị xoá), mã thoát 130 (SIGINT) hoặc 143 (SIGTERM)',
    )
    .option('--params <file>', 'tệp tham số JSON (docs/replay-parameters.md); mặc định: tỉnh mẫu 700.000 hồ sơ/năm')
    .option('--out <dir>', 'thư mục báo cáo (và cơ sở dữ liệu SQLite)', 'replay-out')
    .option('--seed <n>', 'hạt giống ngẫu nhiên (cùng hạt giống, cùng tham số: cùng hồ sơ, cùng diễn biến)', wholeNumber('--seed', 0))
    .option('--days <n>', 'số ngày mô phỏng', wholeNumber('--days', 1))
    .option('--volume <n>', 'số hồ sơ một năm (lần chạy nhận volume × days / 365)', wholeNumber('--volume', 0))
    .option('--step <minutes>', 'số phút mô phỏng mỗi bước', wholeNumber('--step', 1), 15)
    .action(async (opts: { params?: string; out: string; seed?: number; days?: number; volume?: number; step: number }) => {
      // Simulated time and a database wiped at start have no place next to citizens' real dossiers.
      if (process.env.NODE_ENV === 'production') {
        throw new ReplayRefused('NODE_ENV=production: henlai replay không chạy ở chế độ production (đồng hồ mô phỏng, cơ sở dữ liệu bị tạo lại); hãy chạy trên máy hoặc cơ sở dữ liệu riêng cho mô phỏng');
      }
      const databaseUrl = process.env.DATABASE_URL || undefined;
      if (databaseUrl && !/^postgres(ql)?:/.test(databaseUrl)) {
        throw new ReplayRefused('DATABASE_URL: henlai replay chỉ nhận PostgreSQL (postgres://…); để trống thì dùng tệp SQLite trong thư mục --out');
      }
      const progress = (line: string) => process.stderr.write(`${line}\n`);
      const stop = interruptOnSignals(progress);
      // Interrupted, it rejects with a ReplayInterrupted: src/bin.cjs prints it and exits with its code.
      const outcome = await runReplay({
        paramsFile: opts.params,
        out: opts.out,
        seed: opts.seed,
        days: opts.days,
        yearlyVolume: opts.volume,
        stepMinutes: opts.step,
        databaseUrl,
        print: progress,
        signal: stop.signal,
      }).finally(() => stop.dispose());
      print(`Báo cáo: ${outcome.htmlFile} (số liệu: ${outcome.jsonFile}) — ${outcome.progress.received.toLocaleString('vi-VN')} hồ sơ trong ${(outcome.realMs / 1000).toFixed(0)} giây`);
      if (outcome.broken.length) {
        print('CAM KẾT BỊ VI PHẠM:');
        for (const line of outcome.broken) print(`  - ${line}`);
        process.exitCode = 1;
      } else {
        print('Mọi cam kết được giữ: không thư xin lỗi trùng, không tin nhắn thất lạc, mọi hồ sơ trễ hạn đều được xin lỗi.');
      }
    });
}
