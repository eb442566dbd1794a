import type { Config } from './config';
import type { Db } from './db/connection';
import { AgencyRepository } from './db/agencies';
import { ProcedureRepository } from './db/procedures';
import { ImportJobRepository } from './db/import-jobs';
import { RateLimitRepository } from './db/rate-limits';
import { DossierRepository } from './db/dossiers';
import { CalendarRepository } from './db/calendar';
import { IdempotencyRepository, TokenRepository } from './db/tokens';
import type { Logger } from './logger';
import { CalendarService } from './services/calendar';
import type { Clock } from './clock';
import { DossierService } from './services/dossiers';
import { DraftCancellation } from './services/apologies/cancellation';
import { RecomputeService } from './services/recompute';
import { RegistryService } from './services/registry';
import { TokenService } from './services/tokens';
import { ApologyRepository, EscalationRepository } from './db/apologies';
import { NoticeRepository } from './db/notices';
import { DispatchWorkerRepository } from './db/dispatch-workers';
import { WatchRepository } from './db/watch';
import { DocumentRenderer, TEMPLATES_DIR } from './documents/renderer';
import { createPdfRenderer, type PdfRenderer } from './documents/pdf';
import { ApologyAccess, ApologyFiles, ApologyReview, ApologyService, ApologyWorkflow } from './services/apologies';
import { DeadlineWatcher } from './watch/watcher';
import { buildChannels } from './channels/index';
import type { Channel } from './channels/types';
import type { NoticeChannel } from './db/notices';
import { Dispatcher } from './dispatch/dispatcher';
import { markDeliveredFromReceipts } from './channels/zalo';
import { applyEarlySmsReport } from './channels/sms';
import { MessageService } from './services/messages';
import { ReportRepository } from './db/reports';
import { ReportService } from './services/reports';
import { ImportRepository } from './db/import';
import { ImportService } from './services/import';
import { ImportJobService } from './services/import-jobs';
import { SessionRepository, UserRepository } from './db/users';
import { SignInAttemptRepository } from './db/sign-in-attempts';
import { UserService } from './services/users';
import { SignInService } from './services/sign-in';
import { DashboardService } from './services/dashboard';
import { CitizenService } from './services/citizen';
import { ChannelHealthService } from './services/health';
import { SigningRepository } from './db/signing';
import { SecretBox } from './services/signing/secrets';
import { SigningSettingsService } from './services/signing/settings';
import { LetterSigningService } from './services/signing/letters';
import { VerificationService } from './services/signing/verification';
import type { RemoteSigningService } from './signing';
import { OnestopOutbound } from './services/interop-outbound';
import { InteropOutboundRepository } from './db/interop-outbound';
import { createOnestopChannel } from './channels/onestop/channel';
import { createPullClient } from './channels/onestop/pull-client';
import { InteropPuller } from './services/interop-pull';
import { InteropSourceRepository } from './db/interop-sources';
import { InteropInboundRepository } from './db/interop-inbound';
import { InteropSourceService } from './services/interop-sources';
import { InteropInboundService } from './services/interop-inbound';
import { outboxWakeups } from './db/outbox-wakeups';

/** Everything the HTTP layer, the workers and the command line use; built once per process. */
export interface Services {
  config: Config;
  db: Db;
  clock: Clock;
  logger: Logger;
  registry: RegistryService;
  calendars: CalendarService;
  dossiers: DossierService;
  recompute: RecomputeService;
  tokens: TokenService;
  idempotency: IdempotencyRepository;
  rateLimits: RateLimitRepository;
  documents: DocumentRenderer;
  pdf: PdfRenderer;
  apologies: ApologyService;
  apologyWorkflow: ApologyWorkflow;
  /** The leader's review between drafting and approval: read, revise, return to the drafter. */
  apologyReview: ApologyReview;
  apologyFiles: ApologyFiles;
  escalations: EscalationRepository;
  watcher: DeadlineWatcher;
  notices: NoticeRepository;
  messages: MessageService;
  channels: Map<NoticeChannel, Channel>;
  dispatcher: Dispatcher;
  reports: ReportService;
  imports: ImportService;
  importJobs: ImportJobService;
  users: UserService;
  signIn: SignInService;
  dashboard: DashboardService;
  citizen: CitizenService;
  health: ChannelHealthService;
  /** Who signs for each agency and leader (admin pages, seed-demo). */
  signingSettings: SigningSettingsService;
  /** Each letter's two signatures. */
  signing: LetterSigningService;
  /** /xac-thuc: a letter checked by its code or its file. */
  verification: VerificationService;
  /** Queues the appointment updates told to the one-stop systems dossiers came from. */
  onestopOutbound: OnestopOutbound;
  /** Polls the pull-mode one-stop sources for changed dossiers; their sync status. */
  interopPuller: InteropPuller;
  /** One-stop systems exchanging dossiers with us: their configuration and code mappings. */
  interopSources: InteropSourceService;
  /** Dossiers they send in the national synchronisation format. */
  interopInbound: InteropInboundService;
}

export interface ServiceOptions {
  /** One PDF renderer (one browser) can serve several service sets, e.g. in tests. */
  pdf?: PdfRenderer;
  /** Replaces the configured channels (tests, benchmarks). */
  channels?: Map<NoticeChannel, Channel>;
  /** Replaces the remote-signing client built from an agency's account (tests: the fake's). */
  remoteSigning?: (account: { baseUrl: string; spId: string; spPassword: string; callbackSecret?: string }) => RemoteSigningService;
}

export function buildServices(config: Config, db: Db, clock: Clock, logger: Logger, options: ServiceOptions = {}): Services {
  const agencies = new AgencyRepository(db);
  const procedures = new ProcedureRepository(db);
  const dossierRepo = new DossierRepository(db);
  const apologyRepo = new ApologyRepository(db);
  const escalations = new EscalationRepository(db);
  const notices = new NoticeRepository(db);
  const calendars = new CalendarService({ db, repo: new CalendarRepository(db), agencies, clock });
  const documents = new DocumentRenderer({ templatesDir: TEMPLATES_DIR, overridesDir: config.templatesOverrideDir });
  const pdf = options.pdf ?? createPdfRenderer({ executablePath: config.chromiumPath });
  const signingRepo = new SigningRepository(db);
  const secretBox = new SecretBox(config.signing.secretKey);
  const signingSettings = new SigningSettingsService({ repo: signingRepo, secrets: secretBox, clock, remoteClient: options.remoteSigning });
  const interopSourceRepo = new InteropSourceRepository(db);
  const signing = new LetterSigningService({
    repo: signingRepo,
    settings: signingSettings,
    users: new UserRepository(db),
    pdf,
    clock,
    calendars,
    logger,
    publicBaseUrl: config.publicBaseUrl,
    pollMs: config.signing.pollMs,
    trustDemoRoots: config.signing.trustDemoRoots,
    required: config.signing.required,
  });
  const apologyAccess = new ApologyAccess({ apologies: apologyRepo, dossiers: dossierRepo, agencies, notices });
  const apologyFiles = new ApologyFiles({ apologies: apologyRepo, pdf, clock });
  const apologies = new ApologyService({ access: apologyAccess, apologies: apologyRepo, agencies, notices, files: apologyFiles, publicBaseUrl: config.publicBaseUrl });
  const onestopOutbound = new OnestopOutbound({ sources: new InteropOutboundRepository(db), notices, apologies: apologyRepo, publicBaseUrl: config.publicBaseUrl });
  const drafts = new DraftCancellation({ apologies: apologyRepo, signing });
  const apologyWorkflow = new ApologyWorkflow({
    db,
    signing,
    drafts,
    outbound: onestopOutbound,
    apologies: apologyRepo,
    notices,
    dossiers: dossierRepo,
    agencies,
    procedures,
    calendars,
    documents,
    files: apologyFiles,
    access: apologyAccess,
    clock,
    publicBaseUrl: config.publicBaseUrl,
    logger,
  });
  const onestop = createOnestopChannel({
    // Read at each send: an administrator may change the URL or the secret, or disable the source, meanwhile.
    target: async (code) => {
      const source = await interopSourceRepo.byCode(code);
      // interopSources is built further down; this runs only at send time, long after.
      const secret = source?.enabled && source.outboundUrl ? interopSources.sharedSecret(source) : null;
      return source?.outboundUrl && secret ? { url: source.outboundUrl, secret } : null;
    },
    clock,
    logger,
    timeoutMs: config.onestop.timeoutMs,
  });
  const channels = options.channels ?? new Map([...buildChannels(config, db, clock, logger), ['onestop', onestop]]);
  const dispatcher = new Dispatcher({
    notices,
    workers: new DispatchWorkerRepository(db),
    channels,
    attachments: (batch) => apologyFiles.noticeAttachments(batch),
    clock,
    logger,
    settings: { ...config.dispatch, channelDownRetryMs: 10 * 60_000 },
    afterSent: async (n) => {
      if (n.channel === 'zalo') await markDeliveredFromReceipts(db, n.id, clock.now());
      if (n.channel === 'sms') await applyEarlySmsReport(db, n.id, clock.now());
    },
    wakeups: outboxWakeups(config.database, logger),
  });
  const dossiers = new DossierService({ db, dossiers: dossierRepo, agencies, procedures, calendars, drafts, apologies: apologyRepo, notices, clock });
  const messages = new MessageService({ notices, dossiers: dossierRepo, clock });
  const importRepo = new ImportRepository(db);
  const imports = new ImportService({ db, repo: importRepo, dossiers: dossierRepo, agencies, procedures, calendars, clock });
  const userRepo = new UserRepository(db);
  const sessions = new SessionRepository(db);
  const tokenRepo = new TokenRepository(db);
  const interopInboundRepo = new InteropInboundRepository(db);
  const interopInbound = new InteropInboundService({ inbound: interopInboundRepo, dossierRepo, dossiers, agencies, procedures, calendars, imports, importRepo, clock });
  const interopSources = new InteropSourceService({
    sources: interopSourceRepo,
    inbound: interopInboundRepo,
    tokens: tokenRepo,
    agencies,
    procedures,
    secrets: secretBox,
    receive: interopInbound,
    clock,
  });
  const interopPuller = new InteropPuller({
    sources: { pullSources: () => interopSourceRepo.list({ mode: 'pull', enabled: true }), recordPull: (id, outcome) => interopSourceRepo.recordPull(id, outcome) },
    secretOf: async (source) => interopSources.sharedSecret(source),
    client: createPullClient({ clock, timeoutMs: config.onestop.timeoutMs }),
    // The push endpoint's ingestion, acting as the source (an agency-bound source stays in its agency).
    ingest: async (source, items) => {
      const results = await interopInbound.receive(source, 'DongBoHoSoMC', items, { name: `nguồn ${source.code}`, agencyId: source.agencyId, role: 'integration' });
      const refused = results.filter((r) => r.outcome === 'refused').length;
      return { accepted: results.length - refused, refused };
    },
    clock,
    logger,
    pageSize: config.onestop.pullPageSize,
    maxPagesPerRun: 10,
  });
  return {
    config,
    db,
    clock,
    logger,
    registry: new RegistryService({ agencies, procedures, clock }),
    calendars,
    dossiers,
    recompute: new RecomputeService({ db, dossiers: dossierRepo, agencies, calendars, clock }),
    tokens: new TokenService({ tokens: tokenRepo, agencies, clock }),
    interopSources,
    interopInbound,
    interopPuller,
    idempotency: new IdempotencyRepository(db),
    rateLimits: new RateLimitRepository(db),
    documents,
    pdf,
    apologies,
    apologyWorkflow,
    apologyReview: new ApologyReview({ db, apologies: apologyRepo, dossiers: dossierRepo, signing, access: apologyAccess, workflow: apologyWorkflow, clock }),
    apologyFiles,
    signingSettings,
    signing,
    verification: new VerificationService({ repo: signingRepo, apologies: apologyRepo, agencies, settings: signingSettings, trustDemoRoots: config.signing.trustDemoRoots }),
    escalations,
    notices,
    onestopOutbound,
    messages,
    channels,
    dispatcher,
    reports: new ReportService({ reports: new ReportRepository(db), agencies, procedures, clock }),
    imports,
    importJobs: new ImportJobService({ jobs: new ImportJobRepository(db), imports, clock, logger }),
    dashboard: new DashboardService({ dossierRepo, apologyRepo, messages, signing, agencies, calendars, clock }),
    health: new ChannelHealthService({ config, channels, notices, clock }),
    citizen: new CitizenService({
      db,
      apologies: apologyRepo,
      dossiers: dossierRepo,
      agencies,
      procedures,
      files: apologyFiles,
      calendars,
      signing: signingRepo,
      clock,
      linkRetentionMs: config.citizenLinkRetentionMs,
    }),
    users: new UserService({ users: userRepo, sessions, agencies, clock, settings: config.auth }),
    signIn: new SignInService({ users: userRepo, sessions, attempts: new SignInAttemptRepository(db), clock, settings: config.auth }),
    watcher: new DeadlineWatcher({
      db,
      watch: new WatchRepository(db),
      dossiers: dossierRepo,
      agencies,
      workflow: apologyWorkflow,
      files: apologyFiles,
      apologies: apologyRepo,
      escalations,
      notices,
      calendars,
      clock,
      logger,
    }),
  };
}
