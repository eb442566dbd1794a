import type { Config } from '../config';
import type { Db } from '../db/connection';
import { AgencyRepository } from '../db/agencies';
import { ProcedureRepository } from '../db/procedures';
import { DossierRepository } from '../db/dossiers';
import { CalendarRepository } from '../db/calendar';
import { IdempotencyRepository, TokenRepository } from '../db/tokens';
import type { Logger } from '../logger';
import { CalendarService } from './calendar';
import type { Clock } from './clock';
import { DossierService } from './dossiers';
import { RecomputeService } from './recompute';
import { RegistryService } from './registry';
import { TokenService } from './tokens';

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
}

export function buildServices(config: Config, db: Db, clock: Clock, logger: Logger): Services {
  const agencies = new AgencyRepository(db);
  const procedures = new ProcedureRepository(db);
  const dossierRepo = new DossierRepository(db);
  const calendars = new CalendarService(db, new CalendarRepository(db), agencies, clock);
  return {
    config,
    db,
    clock,
    logger,
    registry: new RegistryService(db, agencies, procedures, clock),
    calendars,
    dossiers: new DossierService(db, dossierRepo, agencies, procedures, calendars, clock),
    recompute: new RecomputeService(db, dossierRepo, agencies, calendars, clock),
    tokens: new TokenService(new TokenRepository(db), agencies, clock),
    idempotency: new IdempotencyRepository(db),
  };
}
