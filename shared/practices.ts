/** One practice of `GET /api/practices` (item 2.2 of the order): the server answers with these, the client shows them. */
export interface Practice {
  title: string;
  /** The author's full name as on «Педагоги» (as typed on the tab if not found there). */
  author: string;
  org: string;
  org_name: string;
  org_type: string;
  /** Direction; `null` when the school left it empty. */
  topic: string | null;
  /** An http(s) URL, or null. */
  link: string | null;
  /** What the school typed in «Ссылка» when it is not an http(s) URL. */
  link_text: string | null;
  practice_date: string | null;
}
