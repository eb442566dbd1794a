import type { RequestHandler } from 'express';
import { VIRTUAL_NOW_HEADER, type Clock } from '../../clock';

/**
 * A server on the virtual clock that has not read as far as the driver's now (VIRTUAL_NOW_HEADER)
 * reads the shared now again before the request runs, instead of refusing the dossier's instants
 * as in the future until its next poll. A server on the system clock ignores the header.
 */
export function virtualNowCatchUp(clock: Clock): RequestHandler {
  return (req, _res, next) => {
    const ms = Number(req.get(VIRTUAL_NOW_HEADER));
    if (!clock.catchUp || !Number.isSafeInteger(ms)) return next();
    clock.catchUp(ms).then(() => next(), next);
  };
}
