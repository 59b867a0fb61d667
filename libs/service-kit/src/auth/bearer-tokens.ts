import { createHash, timingSafeEqual } from 'node:crypto';

export type Role = 'viewer' | 'operator';

/**
 * Bearer tokens from configuration, compared in constant time (on SHA-256 digests, so that
 * tokens of different lengths take the same path too).
 */
export class BearerTokens {
  private readonly digests: { digest: Buffer; role: Role }[];

  constructor(operatorTokens: readonly string[], viewerTokens: readonly string[]) {
    this.digests = [
      ...operatorTokens.map((t) => ({ digest: sha256(t), role: 'operator' as const })),
      ...viewerTokens.map((t) => ({ digest: sha256(t), role: 'viewer' as const })),
    ];
  }

  /** The role of an Authorization header value, or null when it carries no valid token. */
  roleOf(authorization: string | undefined): Role | null {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m) return null;
    const digest = sha256(m[1]!);
    let role: Role | null = null;
    for (const t of this.digests) {
      // No early exit: every candidate is compared.
      if (timingSafeEqual(t.digest, digest) && role !== 'operator') role = t.role;
    }
    return role;
  }
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** Reads need a viewer (or operator); anything that can change state needs an operator. */
export function requiredRole(method: string): Role {
  return ['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase()) ? 'viewer' : 'operator';
}
