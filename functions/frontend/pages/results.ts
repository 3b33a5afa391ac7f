import type { ImageRecord } from '../../../lib/image-record.js';
import { IMAGE_STATUSES } from '../../../lib/db/schema.js';
import { resultsUrl, type ResolvedQuery } from '../filters.js';
import { html, type SafeHtml } from '../html.js';
import { imageCards, pager, STATUS_LABELS } from './common.js';
import { layout, type Flash, type Viewer } from './layout.js';

export interface ResultsPageInput {
  query: ResolvedQuery;
  images: ImageRecord[];
  newer: number | null;
  older: number | null;
  people: Array<{ id: number; name: string }>;
  doors: string[];
  viewer: Viewer | undefined;
  flash?: Flash[] | undefined;
  refreshSeconds: number;
}

const selected = (on: boolean) => (on ? html` selected` : null);

/** The filters: each one a form field, all of them in the URL (a GET form). */
function filterForm(input: ResultsPageInput): SafeHtml {
  const { form } = input.query;
  return html`<form class="filters" method="get" action="/" role="search" aria-label="Filter photos">
    <div class="field">
      <label for="f-person">Person</label>
      <input id="f-person" name="person" type="search" list="people-names" autocomplete="off"
        value="${form.person}" placeholder="Any name" />
      <datalist id="people-names">
        ${input.people.map((person) => html`<option value="${person.name}"></option>`)}
      </datalist>
    </div>
    <div class="field">
      <label for="f-door">Door or camera</label>
      <select id="f-door" name="door">
        <option value="">Any</option>
        ${[...new Set([...input.doors, ...(form.door ? [form.door] : [])])].map(
          (door) => html`<option value="${door}"${selected(form.door === door)}>${door}</option>`,
        )}
      </select>
    </div>
    <div class="field">
      <label for="f-status">Status</label>
      <select id="f-status" name="status">
        <option value="">Any</option>
        ${IMAGE_STATUSES.map(
          (status) =>
            html`<option value="${status}"${selected(form.status === status)}>${STATUS_LABELS[status]}</option>`,
        )}
      </select>
    </div>
    <div class="field">
      <label for="f-from">Received from</label>
      <input id="f-from" name="from" type="datetime-local" value="${form.from}" />
    </div>
    <div class="field">
      <label for="f-to">Received until</label>
      <input id="f-to" name="to" type="datetime-local" value="${form.to}" />
    </div>
    <div class="field check">
      <input id="f-unknown" name="unknown" type="checkbox" value="1"${form.unknown ? html` checked` : null} />
      <label for="f-unknown">Only photos with unknown faces</label>
    </div>
    <input type="hidden" name="tz" value="${form.tz}" />
    <div class="actions">
      <button type="submit">Filter</button>
      ${input.query.filtered ? html`<a href="/">Clear filters</a>` : null}
    </div>
  </form>`;
}

/** What the live region holds: the cards and the pager, or the empty state. */
export function resultsRegion(input: ResultsPageInput): SafeHtml {
  const { query } = input;
  const problem = query.personProblem;
  if (input.images.length === 0) {
    return html`<div class="empty">
      ${problem ? html`<p role="alert">${problem.text}</p>` : null}
      ${
        problem && problem.candidates.length > 0
          ? html`<ul>
              ${problem.candidates.map(
                (person) =>
                  html`<li><a href="${resultsUrl({ ...query.form, person: person.name })}">${person.name}</a></li>`,
              )}
            </ul>`
          : null
      }
      ${
        query.filtered
          ? html`<p>No photos match these filters.</p>
              <p><a class="button" href="/">Clear the filters</a></p>`
          : query.cursor
            ? html`<p>No photos on this page.</p>
                <p><a href="/">Back to the newest photos</a></p>`
            : html`<p>No photos yet. Submit some with <code>npx facetrail submit --wait examples/doors</code>.</p>`
      }
    </div>`;
  }
  return html`${imageCards(input.images, input.viewer, 'Photos, newest first')}
    ${pager({
      first: input.newer !== null ? resultsUrl(query.form) : null,
      newer: input.newer !== null ? resultsUrl(query.form, { after: input.newer }) : null,
      older: input.older !== null ? resultsUrl(query.form, { before: input.older }) : null,
    })}`;
}

/** The results page: filters, then the photos newest first, updated live. */
export function resultsPage(input: ResultsPageInput): string {
  const pending = input.images.some(
    (image) => image.status === 'PENDING' || image.status === 'PROCESSING',
  );
  const body = html`<h1>Results</h1>
    ${filterForm(input)}
    <section id="live" aria-label="Photos" data-ids="${input.images.map((image) => image.id).join(' ')}">
      ${resultsRegion(input)}
    </section>`;
  return layout(
    {
      title: 'Results',
      viewer: input.viewer,
      section: 'results',
      flash: input.flash,
      live: input.query.cursor ? 'ids' : 'head',
      refreshSeconds: pending ? input.refreshSeconds : undefined,
    },
    body,
  );
}
