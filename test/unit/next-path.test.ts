/**
 * `?next=` after logging in (shared/routes.ts `safeNextPath`): only a path of this very site.
 * Each hostile value is one a browser would follow to another site (or run as script) if the
 * value were passed to `location.assign` as it is.
 */
import { describe, expect, it } from 'vitest';
import { safeNextPath } from '../../shared/routes.ts';

const ORIGIN = 'http://127.0.0.1:3000';

describe('safeNextPath', () => {
  it('keeps a path of this site with its query and fragment', () => {
    expect(safeNextPath('/engagement?from=2023-09-01&to=2024-08-31', ORIGIN)).toBe('/engagement?from=2023-09-01&to=2024-08-31');
    expect(safeNextPath('/org/%D0%A1%D0%9E%D0%A8-1', ORIGIN)).toBe('/org/%D0%A1%D0%9E%D0%A8-1');
    expect(safeNextPath('/report?from=2024-01-01#section-2', ORIGIN)).toBe('/report?from=2024-01-01#section-2');
    // This site written out in full, and a relative path, resolve to paths of this site.
    expect(safeNextPath(`${ORIGIN}/people`, ORIGIN)).toBe('/people');
    expect(safeNextPath('users', ORIGIN)).toBe('/users');
    // Dot segments stay on this site.
    expect(safeNextPath('/a/../../../organizations', ORIGIN)).toBe('/organizations');
  });

  it('gives / for nothing, for the login and password pages', () => {
    for (const next of [null, undefined, '', '/login', '/login?next=%2F', '/password', '/password?next=/x']) {
      expect(safeNextPath(next, ORIGIN), String(next)).toBe('/');
    }
  });

  it('refuses every way to another origin or to script', () => {
    const hostile = [
      '//evil.example',
      '//evil.example/path',
      '///evil.example',
      '/\\evil.example',
      '\\\\evil.example',
      '/\t/evil.example', // the browser drops the tab: "//evil.example"
      '/\n/evil.example',
      '/\r\n/evil.example',
      '\t//evil.example',
      ' //evil.example', // leading spaces are stripped by the URL parser
      '/\u0000/evil.example',
      '/\u007f/evil.example',
      '/\u0085/evil.example',
      'https://evil.example/',
      'http://evil.example',
      'HTTPS://evil.example',
      'https:evil.example', // another scheme: resolves to https://evil.example
      'http://127.0.0.1:3001/', // same host, another port: another origin
      'https://127.0.0.1:3000/', // another scheme: another origin
      'http://127.0.0.1:3000@evil.example/',
      'javascript:alert(1)',
      'JaVaScRiPt:alert(document.cookie)',
      'java\tscript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox(1)',
      'blob:http://127.0.0.1:3000/0d1d1e8a',
      'file:///etc/passwd',
      '/.//evil.example', // resolves to the path "//evil.example", another host once assigned
      '/a/..//evil.example',
      `/${'x'.repeat(2001)}`,
    ];
    expect(hostile.map((next) => [next, safeNextPath(next, ORIGIN)]).filter(([, out]) => out !== '/')).toEqual([]);
  });

  it('returns only what resolves to this origin, whatever it is given', () => {
    // «http:evil.example» relative to an http: origin is the path /evil.example of this site.
    expect(safeNextPath('http:evil.example', ORIGIN)).toBe('/evil.example');
    const samples = ['http:evil.example', '/%2F%2Fevil.example', '/%5Cevil.example', '/@evil.example', '/.//evil.example', '/..//evil.example'];
    for (const next of samples) {
      const out = safeNextPath(next, ORIGIN);
      expect(out.startsWith('/') && !out.startsWith('//'), `${next} → ${out}`).toBe(true);
      expect(new URL(out, ORIGIN).origin, `${next} → ${out}`).toBe(ORIGIN);
    }
  });
});
