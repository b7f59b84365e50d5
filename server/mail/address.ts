/** E-mail addresses (issue #21): no imports, so the settings (config.ts) check them without loading the mail. */

/** An e-mail address as a recipient list takes it (no display name, no brackets): settings and deliveries. */
export const isEmail = (s: string): boolean => /^[^\s@<>(),;:"[\]]+@[^\s@<>(),;:"[\]]+\.[^\s@<>(),;:"[\]]+$/.test(s);
