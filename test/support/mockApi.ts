/**
 * A small stand-in for the dashboard API: the real client router plus fixed JSON for
 * `/api/metrics`, `/api/orgs` and `/api/metrics/engagement`, in the shapes of docs/spec/DESIGN.md.
 * Only for developing the client and for the client-only browser test; the integration
 * tests use the real server.
 *
 * Run it to look at the page: `npx tsx test/support/mockApi.ts` (PORT, default 5173).
 */
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import express, { type Express, type Request, type Response } from 'express';
import { metricDef, metricInfo } from '../../server/metrics/metrics.ts';
import { createClientRouter } from '../../server/routes/client.ts';

interface MockOrg {
  code: string;
  name: string;
  type: string;
  active: boolean;
  teachers: number;
  mentors: number;
  mentees: number;
  engaged: number;
}

/**
 * Rates, worked out by hand (engaged / teachers):
 * СОШ-2 17/40 = 0.425 → "42,5 %"; СОШ-1 19/52 = 0.36538… → "36,5 %"; СОШ-3 9/35 = 0.25714… → "25,7 %";
 * ДОУ-1 8/24 = 0.33333… → "33,3 %"; ДОУ-21 4/18 = 0.22222… → "22,2 %"; ДДТ 3/12 = 0.25 → "25,0 %";
 * ДОУ-36 0/0 → null → "—" (its name also checks that API text is never parsed as HTML).
 * Total: 60/181 = 0.33149… → "33,1 %".
 */
export const MOCK_ORGS: readonly MockOrg[] = [
  { code: 'СОШ-1', name: 'МОУ «СОШ № 1»', type: 'Школа', active: true, teachers: 52, mentors: 9, mentees: 11, engaged: 19 },
  { code: 'СОШ-2', name: 'МОУ «СОШ № 2»', type: 'Школа', active: true, teachers: 40, mentors: 8, mentees: 10, engaged: 17 },
  { code: 'СОШ-3', name: 'МОУ «СОШ № 3 им. Г. А. Надёжина»', type: 'Школа', active: true, teachers: 35, mentors: 4, mentees: 5, engaged: 9 },
  { code: 'ДОУ-1', name: 'МДОУ «Детский сад № 1 «Солнышко»»', type: 'Детский сад', active: true, teachers: 24, mentors: 4, mentees: 5, engaged: 8 },
  { code: 'ДОУ-21', name: 'МДОУ «Детский сад № 21 «Брусничка»»', type: 'Детский сад', active: true, teachers: 18, mentors: 2, mentees: 2, engaged: 4 },
  { code: 'ДОУ-36', name: 'МДОУ «Детский сад № 36 <i>Ёлочка</i>»', type: 'Детский сад', active: false, teachers: 0, mentors: 0, mentees: 0, engaged: 0 },
  { code: 'ДДТ', name: 'МОУ ДО «Дом детского творчества»', type: 'Дополнительное образование', active: true, teachers: 12, mentors: 1, mentees: 2, engaged: 3 },
];

/** The listing entry of `engagement`, as the real server lists it (from the declaration, shared/metrics.ts). */
const ENGAGEMENT_INFO = metricInfo(metricDef('engagement'));

function badRequest(response: Response, message: string): void {
  response.status(400).json({ error: { code: 'bad_request', message } });
}

function ruDate(iso: string): string {
  return iso.split('-').reverse().join('.');
}

function stringParam(request: Request, name: string): string | null {
  const value = request.query[name];
  return typeof value === 'string' && value !== '' ? value : null;
}

function listParam(request: Request, name: string): string[] {
  const value = request.query[name];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return typeof value === 'string' ? [value] : [];
}

function engagementRow(org: MockOrg | null, counts: Pick<MockOrg, 'teachers' | 'mentors' | 'mentees' | 'engaged'>) {
  return {
    org: org?.code ?? null,
    org_name: org?.name ?? null,
    org_type: org?.type ?? null,
    teachers: counts.teachers,
    mentors: counts.mentors,
    mentees: counts.mentees,
    engaged: counts.engaged,
    engagement_rate: counts.teachers === 0 ? null : counts.engaged / counts.teachers,
  };
}

export interface MockApi {
  app: Express;
  /** Every `/api/…` request the mock answered, in order, so tests can check what the page asked for. */
  requests: URL[];
}

export async function createMockApi(): Promise<MockApi> {
  const app = express();
  const requests: URL[] = [];

  // Who is logged in: a coordinator (not recorded: the tests look at the data requests).
  app.get('/api/session', (_request, response) => {
    response.json({ login: 'koord', role: 'coordinator', role_title: 'муниципальный координатор', org: null, org_name: null, read_only: false, demo: false, via: 'session', csrf: 'csrf_mock' });
  });

  app.use('/api', (request, _response, next) => {
    requests.push(new URL(request.originalUrl, 'http://mock.local'));
    next();
  });

  app.get('/api/metrics', (_request, response) => {
    response.json({ metrics: [ENGAGEMENT_INFO] });
  });

  app.get('/api/orgs', (_request, response) => {
    response.json({ orgs: MOCK_ORGS.map(({ code, name, type, active }) => ({ code, name, type, active })) });
  });

  app.get('/api/metrics/engagement', (request, response) => {
    const from = stringParam(request, 'from');
    const to = stringParam(request, 'to');
    const type = stringParam(request, 'type');
    const orgCodes = listParam(request, 'org');
    if (from && to && to < from) {
      badRequest(response, `Дата окончания периода (${ruDate(to)}) раньше даты начала (${ruDate(from)}).`);
      return;
    }
    const unknown = orgCodes.find((code) => !MOCK_ORGS.some((org) => org.code === code));
    if (unknown) {
      badRequest(response, `Неизвестная организация: «${unknown}».`);
      return;
    }
    const selected = MOCK_ORGS.filter(
      (org) => (type === null || org.type === type) && (orgCodes.length === 0 || orgCodes.includes(org.code)),
    );
    const total = { teachers: 0, mentors: 0, mentees: 0, engaged: 0 };
    for (const org of selected) {
      total.teachers += org.teachers;
      total.mentors += org.mentors;
      total.mentees += org.mentees;
      total.engaged += org.engaged;
    }
    response.json({
      metric: 'engagement',
      params: { from, to, org: orgCodes, type, grain: null },
      rows: [...selected.map((org) => engagementRow(org, org)), engagementRow(null, total)],
    });
  });

  app.use('/api', (_request, response) => {
    response.status(404).json({ error: { code: 'not_found', message: 'Нет такого адреса API.' } });
  });

  app.use(await createClientRouter());
  return { app, requests };
}

export interface RunningMockApi extends MockApi {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  close(): Promise<void>;
}

/** Starts the mock on 127.0.0.1; port 0 (the default) lets the system pick a free one. */
export async function startMockApi(port = 0): Promise<RunningMockApi> {
  const mock = await createMockApi();
  const server = await new Promise<import('node:http').Server>((resolve, reject) => {
    const listening = mock.app.listen(port, '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve(listening)));
  });
  const { port: actualPort } = server.address() as AddressInfo;
  return {
    ...mock,
    url: `http://127.0.0.1:${actualPort}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const running = await startMockApi(Number(process.env.PORT ?? 5173));
  console.log(`Mock API and client: ${running.url}/`);
}
