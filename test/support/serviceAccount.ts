/**
 * A real (generated) service-account key file, for the Google paths that need one: the source
 * signs its own scoped JWTs with it (self-signed JWT, the default), so requests reach the fake
 * Sheets server with a bearer token and no token request is made.
 */
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SERVICE_EMAIL = 'monitor@test-project.iam.gserviceaccount.com';

/** Writes `sa.json` into `dir` and returns its path. */
export function writeServiceAccountKey(dir: string, email = SERVICE_EMAIL): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const file = join(dir, 'sa.json');
  writeFileSync(
    file,
    JSON.stringify({
      type: 'service_account',
      project_id: 'test',
      private_key_id: 'kid-123456',
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: email,
      client_id: '1',
    }),
  );
  return file;
}
