/** Text put into HTML the server writes itself (the 403 page, /help): every special character as an entity. */
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
