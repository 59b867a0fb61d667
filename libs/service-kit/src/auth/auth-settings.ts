import { envPart } from '../config/env-part';
import { envBoolean, envTokenList } from '../config/env-values';

/** What the auth guard needs; a Nest provider token (the service's config object provides it). */
export abstract class AuthSettings {
  abstract readonly operatorTokens: readonly string[];
  abstract readonly viewerTokens: readonly string[];
  abstract readonly authDisabled: boolean;
}

export const authEnv = envPart(
  {
    ISTHMUS_OPERATOR_TOKENS: envTokenList.default([]),
    ISTHMUS_VIEWER_TOKENS: envTokenList.default([]),
    ISTHMUS_AUTH_DISABLED: envBoolean.default(false),
  },
  (e): AuthSettings => ({
    operatorTokens: e.ISTHMUS_OPERATOR_TOKENS,
    viewerTokens: e.ISTHMUS_VIEWER_TOKENS,
    authDisabled: e.ISTHMUS_AUTH_DISABLED,
  }),
  // A service that nobody can write to is a misconfiguration, not a safe default.
  (s) =>
    !s.authDisabled && s.operatorTokens.length === 0
      ? [
          {
            variable: 'ISTHMUS_OPERATOR_TOKENS',
            message:
              'set at least one operator token, or ISTHMUS_AUTH_DISABLED=true for local development only',
          },
        ]
      : [],
);
