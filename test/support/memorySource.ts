/**
 * A `Source` that serves grids held in memory: the registry spreadsheet's tabs and each
 * organization's tabs by its `Таблица` value. Tests change the grids between syncs; the version
 * is a content hash, so an unchanged spreadsheet is skipped like an unchanged Google sheet.
 * It records which spreadsheets were read.
 */
import { createHash } from 'node:crypto';
import { REGISTRY_TAB, findTab, registryTabsProblem } from '../../server/contract/index.ts';
import { SourceError, type FetchContext, type FetchResult, type OrgEntry, type RawTab, type Source } from '../../server/sources/types.ts';

export interface MemorySheets {
  /** The registry spreadsheet's tabs (the `Организации` tab among them). */
  registry: RawTab[];
  /** Each organization's spreadsheet, by the `Таблица` value of the registry. */
  sheets: Record<string, RawTab[]>;
}

export interface MemorySource extends Source {
  /** The data served; replace or mutate it between syncs. */
  data: MemorySheets;
  /** `Таблица` values of every fetchOrg call, in call order. */
  readonly fetched: string[];
}

function versionOf(tabs: readonly RawTab[]): string {
  return createHash('sha256').update(JSON.stringify(tabs)).digest('hex').slice(0, 16);
}

export function createMemorySource(data: MemorySheets): MemorySource {
  const fetched: string[] = [];
  const source: MemorySource = {
    kind: 'folder',
    description: 'память (тест)',
    data,
    fetched,
    async readRegistry(): Promise<RawTab> {
      const twice = registryTabsProblem(source.data.registry.map((t) => t.title), REGISTRY_TAB.title);
      if (twice !== null) throw new SourceError(twice, 'bad_shape');
      const tab = findTab(source.data.registry, REGISTRY_TAB.title);
      if (!tab) {
        const have = source.data.registry.map((t) => `«${t.title}»`).join(', ') || 'нет ни одного';
        throw new SourceError(`в реестре организаций нет листа «${REGISTRY_TAB.title}»; листы: ${have}`, 'bad_shape');
      }
      return tab;
    },
    async fetchOrg(org: OrgEntry, ctx: FetchContext): Promise<FetchResult> {
      fetched.push(org.sheet);
      const tabs = source.data.sheets[org.sheet];
      if (!tabs) throw new SourceError(`таблица организации ${org.code} не найдена («${org.sheet}»)`, 'not_found');
      const version = versionOf(tabs);
      if (!ctx.full && ctx.lastVersion === version) return { status: 'unchanged', version, requests: 0, retries: 0 };
      // A deep copy: the sync must never see later mutations of the test's grids.
      return { status: 'ok', tabs: structuredClone(tabs), version, requests: 0, retries: 0 };
    },
  };
  return source;
}
