// Session JWTs as the Edgemy platform issues them, and checks of Daily meeting tokens,
// written with node:crypto so they are independent of the Worker's own code.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { SESSION_SECRET } from './secrets.mjs';

export { SESSION_SECRET };
export const ISSUER = 'https://edgemy.fr';
export const AUDIENCE = 'edgemy-sessions';

const b64url = (data) => Buffer.from(data).toString('base64url');

export function signHs256(header, claims, secret) {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/**
 * A platform session token for `user` ({id, name, email, locale, zoneinfo?}); `overrides`
 * change claims.
 */
export function sessionToken(user, { secret = SESSION_SECRET, expiresIn = 3600, header, ...overrides } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: user.id,
    name: user.name,
    email: user.email,
    locale: user.locale,
    ...(user.zoneinfo ? { zoneinfo: user.zoneinfo } : {}),
    iat: now,
    exp: now + expiresIn,
    ...overrides,
  };
  return signHs256(header ?? { alg: 'HS256', typ: 'JWT' }, claims, secret);
}

/** Decodes a JWT and checks its HS256 signature with `key`; throws if it does not verify. */
export function verifyHs256(token, key) {
  const [h, p, s] = token.split('.');
  const expected = createHmac('sha256', key).update(`${h}.${p}`).digest();
  const given = Buffer.from(s, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new Error('signature does not verify');
  }
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString()),
    claims: JSON.parse(Buffer.from(p, 'base64url').toString()),
  };
}
