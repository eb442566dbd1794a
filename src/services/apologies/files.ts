import type { ApologyRepository } from '../../db/apologies';
import type { Notice } from '../../db/notices';
import type { Attachment } from '../../channels/types';
import { pdfFileName } from '../../documents/apology-letter';
import type { PdfRenderer } from '../../documents/pdf';
import { AppError, UnavailableError } from '../../errors';
import type { Clock } from '../../clock';

export interface LetterFile {
  pdf: Buffer;
  fileName: string;
}

export interface ApologyFilesDeps {
  apologies: ApologyRepository;
  pdf: PdfRenderer;
  clock: Clock;
}

/**
 * An issued letter's files: its PDF, rendered once from the stored HTML and kept, and the
 * attachments the outbox worker sends with e-mail notices. Access checks are the callers'.
 */
export class ApologyFiles {
  constructor(private readonly deps: ApologyFilesDeps) {}

  /** The stored PDF, rendering it from the stored HTML the first time; a 503 while it cannot be rendered. */
  async ensurePdf(id: number): Promise<Buffer> {
    const { apologies, pdf: renderer, clock } = this.deps;
    const stored = await apologies.pdf(id);
    if (stored) return stored;
    const html = await apologies.html(id);
    if (!html) throw new AppError(500, 'letter-missing', `Thư xin lỗi số ${id} chưa có nội dung`);
    let pdf: Buffer;
    try {
      pdf = await renderer.render(html);
    } catch (err) {
      throw new UnavailableError('letter-pdf-pending', 'Bản PDF của thư chưa tạo được; hệ thống đang tạo lại, vui lòng thử lại sau ít phút', 60, err);
    }
    await apologies.storePdf(id, pdf, clock.now().getTime());
    return (await apologies.pdf(id)) as Buffer;
  }

  /** The PDF and its download name. */
  async letter(id: number): Promise<LetterFile> {
    const letter = (await this.letters([id])).get(id) as LetterFile | Error;
    if (letter instanceof Error) throw letter;
    return letter;
  }

  /**
   * The outbox worker's attachments (see AttachmentSource) for a batch of notices: each apology
   * notice carries its letter's PDF, read for the whole batch at once.
   */
  async noticeAttachments(notices: Notice[]): Promise<Map<number, Attachment[] | Error>> {
    const letters = await this.letters(notices.flatMap((n) => (n.apologyId === null ? [] : [n.apologyId])));
    return new Map(
      notices.map((n) => {
        const letter = n.apologyId === null ? null : (letters.get(n.apologyId) as LetterFile | Error);
        if (letter === null) return [n.id, []];
        return [n.id, letter instanceof Error ? letter : [{ filename: letter.fileName, contentType: 'application/pdf', content: letter.pdf }]];
      }),
    );
  }

  /**
   * Stored PDFs in one read; a letter whose PDF was never rendered is rendered now, and one that
   * cannot be is that apology's error alone.
   */
  private async letters(ids: number[]): Promise<Map<number, LetterFile | Error>> {
    const stored = await this.deps.apologies.letterPdfs(ids);
    // Letters without a stored PDF (rare: they are rendered when issued) render side by side,
    // as the PDF renderer's own pool allows.
    const letters = await Promise.all(
      [...new Set(ids)].map(async (id): Promise<[number, LetterFile | Error]> => {
        const s = stored.get(id);
        try {
          return [id, { pdf: s?.pdf ?? (await this.ensurePdf(id)), fileName: pdfFileName({ id, letterNumber: s?.letterNumber ?? null }) }];
        } catch (err) {
          return [id, err instanceof Error ? err : new Error(String(err))];
        }
      }),
    );
    return new Map(letters);
  }
}
