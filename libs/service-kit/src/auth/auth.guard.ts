import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
  SetMetadata,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AuthSettings } from './auth-settings';
import { BearerTokens, requiredRole } from './bearer-tokens';

const PUBLIC = 'isthmus:public';
/** Health, metrics and the OpenAPI document: no token needed. */
export const Public = () => SetMetadata(PUBLIC, true);

/**
 * Every route needs a bearer token unless marked @Public(): viewer tokens may read, operator
 * tokens may also write (DESIGN.md, "Interfaces").
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly tokens: BearerTokens;

  constructor(
    private readonly reflector: Reflector,
    private readonly config: AuthSettings,
  ) {
    this.tokens = new BearerTokens(config.operatorTokens, config.viewerTokens);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.config.authDisabled) return true;
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, [context.getHandler(), context.getClass()]))
      return true;
    const req = context.switchToHttp().getRequest<Request>();
    const role = this.tokens.roleOf(req.headers.authorization);
    if (!role) {
      throw new UnauthorizedException(
        req.headers.authorization
          ? 'the bearer token is not valid'
          : 'missing bearer token: send "Authorization: Bearer <token>"',
      );
    }
    if (requiredRole(req.method) === 'operator' && role !== 'operator') {
      throw new ForbiddenException(
        'this token has the viewer role, which can only read; writes need an operator token',
      );
    }
    return true;
  }
}
