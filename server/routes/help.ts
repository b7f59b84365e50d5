/**
 * `GET /help` (how to fill the spreadsheet, for schools) and `GET /template.xlsx` (the
 * template generated from the contract). Both are public: they hold no data, and the people
 * who fill the sheets need not have an account. Built once, answered with an ETag.
 */
import { createHash } from 'node:crypto';
import { Router, type Response } from 'express';
import { schoolDocsHtml } from '../contract/schoolDocs.ts';
import { buildTemplate } from '../template/xlsx.ts';

import { HELP_PATH, TEMPLATE_PATH } from '../../shared/routes.ts';

function sendOnce(res: Response, body: Buffer, type: string): void {
  res.set({ ETag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`, 'Cache-Control': 'no-cache' }).type(type).send(body);
}

export function helpRouter(): Router {
  const r = Router();
  let html: Buffer | null = null;
  let template: Promise<Buffer> | null = null;
  r.get(HELP_PATH, (_req, res) => {
    html ??= Buffer.from(schoolDocsHtml(), 'utf8');
    sendOnce(res, html, 'text/html; charset=utf-8');
  });
  r.get(TEMPLATE_PATH, async (_req, res) => {
    template ??= buildTemplate();
    const body = await template;
    res.attachment('shablon_nastavnichestvo.xlsx');
    sendOnce(res, body, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  });
  return r;
}
