/**
 * What Google's failures may carry never reaches a message (server/google/failure.ts `redact`):
 * a signed token echoed back without the word Bearer (a security review: a hostile
 * GOOGLE_API_ROOT printed the service account's one-hour token in the sync's output), keys,
 * private keys — and ordinary Russian and English text stays as it was.
 */
import { createSign, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { redact } from '../../server/google/failure.ts';

/** A self-signed JWT as google-auth-library makes one for a service account (RS256). */
function jwt(): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${b64({ alg: 'RS256', typ: 'JWT', kid: 'k1' })}.${b64({ iss: 'sa@p.iam.gserviceaccount.com', aud: 'https://sheets.googleapis.com/', iat: 1, exp: 3601 })}`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  return `${head}.${createSign('RSA-SHA256').update(head).sign(privateKey).toString('base64url')}`;
}

describe('redact', () => {
  it('hides a signed token on its own, with or without Bearer, and keeps the text around it', () => {
    const token = jwt();
    expect(redact(`HTTP 400: Credential presented: ${token} (invalid audience)`)).toBe('HTTP 400: Credential presented: *** (invalid audience)');
    expect(redact(`Authorization: Bearer ${token}`)).toBe('Authorization: Bearer ***');
    expect(redact(`{"error":"${token}"}`)).not.toContain(token.split('.')[1]);
  });

  it('hides keys in addresses and private keys; leaves ordinary text alone', () => {
    expect(redact('GET https://sheets.googleapis.com/v4/spreadsheets/1abc?key=AIzaSyD-secret&fields=x')).toBe('GET https://sheets.googleapis.com/v4/spreadsheets/1abc?key=***&fields=x');
    expect(redact('-----BEGIN PRIVATE KEY-----\nMIIE…\n-----END PRIVATE KEY-----')).toBe('***');
    const plain = 'нет доступа к таблице «1AsOfSchoolOneAbCdEfGhIj»: The caller does not have permission (403)';
    expect(redact(plain)).toBe(plain);
  });
});
