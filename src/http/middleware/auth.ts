import type { RequestHandler } from 'express';
import type { TokenService } from '../../services/tokens';
import type { Actor } from '../../domain/actor';

declare module 'express-serve-static-core' {
  interface Request {
    actor?: Actor & { tokenId: number };
  }
}

export function requireToken(tokens: TokenService): RequestHandler {
  return async (req, _res, next) => {
    req.actor = await tokens.authenticate(req.get('authorization'));
    next();
  };
}

export function actorOf(req: { actor?: Actor & { tokenId: number } }): Actor & { tokenId: number } {
  if (!req.actor) throw new Error('requireToken must run before this route');
  return req.actor;
}
