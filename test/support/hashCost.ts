/**
 * Vitest setup file of the integration and browser projects: new password hashes at scrypt
 * N = 2^10 instead of 2^15 (server/auth/secrets.ts `useTestHashCost`): ~190 accounts and logins
 * cost the suite ~30 s of CPU otherwise. Files about the hashing cost itself set SCRYPT.N back.
 */
import { useTestHashCost } from '../../server/auth/secrets.ts';

export const TEST_HASH_N = 2 ** 10;

useTestHashCost(TEST_HASH_N);
