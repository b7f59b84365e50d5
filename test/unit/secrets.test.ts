import { afterEach, describe, expect, it } from 'vitest';
import { SCRYPT, dummyHash, hashPassword, useTestHashCost, verifyPassword } from '../../server/auth/secrets.ts';

afterEach(() => useTestHashCost(null));

describe('password hashes', () => {
  it('are scrypt at N = 2^15, r = 8, p = 1 with a 16-byte salt and a 32-byte key, and verify by their own parameters', async () => {
    const stored = await hashPassword('Пароль-для-проверки-1');
    const [kind, N, r, p, salt, key] = stored.split('$');
    expect([kind, N, r, p]).toEqual(['scrypt', '32768', '8', '1']);
    expect(SCRYPT.N).toBe(32768);
    // base64url without padding: 16 bytes → 22 characters, 32 bytes → 43.
    expect([salt!.length, key!.length]).toEqual([22, 43]);
    expect(await verifyPassword('Пароль-для-проверки-1', stored)).toBe(true);
    expect(await verifyPassword('Пароль-для-проверки-2', stored)).toBe(false);
    // The same password hashes differently every time (a new salt).
    expect(await hashPassword('Пароль-для-проверки-1')).not.toBe(stored);
  });

  it('a test may lower the cost of new hashes; a hash keeps the cost it was made with, and so does the unknown login’s', async () => {
    const strong = await hashPassword('Пароль-для-проверки-1');
    const strongDummy = await dummyHash();
    useTestHashCost(1024);
    const weak = await hashPassword('Пароль-для-проверки-1');
    expect(weak.split('$')[1]).toBe('1024');
    // An unknown login is checked against a hash as costly as a new one: made again at the new cost.
    expect((await dummyHash()).split('$')[1]).toBe('1024');
    expect(strongDummy.split('$')[1]).toBe('32768');
    expect(await verifyPassword('Пароль-для-проверки-1', strong)).toBe(true);
    expect(await verifyPassword('Пароль-для-проверки-1', weak)).toBe(true);
    useTestHashCost(null);
    expect((await hashPassword('x')).split('$')[1]).toBe('32768');
  });

  it('cannot be lowered outside Vitest', () => {
    const saved = process.env.VITEST;
    delete process.env.VITEST;
    try {
      expect(() => useTestHashCost(1024)).toThrow('только в тестах');
    } finally {
      process.env.VITEST = saved;
    }
    expect(SCRYPT.N).toBe(32768);
  });
});
