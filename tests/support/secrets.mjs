// Every secret the test suites give the Worker, in one place, so that the check of the logs
// (tests/after/secrets.test.mjs) knows what must never appear in them.

/** AUTH_JWT_SECRET of the integration and browser suites (the platform's session key). */
export const SESSION_SECRET = 'test-session-secret';
/** DAILY_API_KEY of the stand-in and of the Worker pointed at it. */
export const DAILY_API_KEY = 'test-daily-api-key';
/** The Brevo key of the stand-in (`--brevo-api-key`), as the Worker's BREVO_API_KEY. */
export const BREVO_API_KEY = 'test-brevo-api-key';
/** A DAILY_API_KEY that Daily refuses. */
export const WRONG_DAILY_API_KEY = 'not-the-key';
/**
 * DAILY_WEBHOOK_SECRET of the suites: the secret of daily-api.md's signature test vector, as
 * Daily returns it (`hmac`, base64 text).
 */
export const DAILY_WEBHOOK_SECRET = 'ZGFpbHktdGVzdC1zZWNyZXQtMDEyMzQ1Njc4OWFiY2Q=';
/** What the run command's suite puts in its .dev.vars. */
export const DEV_COMMAND_SESSION_SECRET = 'dev-command-test-secret';
export const DEV_COMMAND_DAILY_API_KEY = 'dev-command-test-key';
export const DEV_COMMAND_BREVO_API_KEY = 'dev-command-brevo-key';

export const ALL_SECRETS = [
  SESSION_SECRET,
  DAILY_API_KEY,
  BREVO_API_KEY,
  WRONG_DAILY_API_KEY,
  DAILY_WEBHOOK_SECRET,
  DEV_COMMAND_SESSION_SECRET,
  DEV_COMMAND_DAILY_API_KEY,
  DEV_COMMAND_BREVO_API_KEY,
];
