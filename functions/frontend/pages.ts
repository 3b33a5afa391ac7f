import type { ImageRecord } from '../../lib/db/images-repo.js';
import type { Person, PersonSummary } from '../../lib/db/people-repo.js';
import { IMAGE_STATUSES } from '../../lib/db/schema.js';
import { html, type SafeHtml } from './html.js';

const STYLE = `
body{font-family:system-ui,sans-serif;margin:2rem;color:#1d232a}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #dde}
img.thumb{max-width:96px;max-height:72px;border-radius:4px}
.status-FAILED{color:#b00020}.status-PENDING,.status-PROCESSING{color:#8a6d00}.status-PROCESSED{color:#1b6e20}
form{margin:1rem 0}nav{margin:1rem 0}`;

function layout(title: string, body: SafeHtml, refreshSeconds?: number): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        ${refreshSeconds ? html`<meta http-equiv="refresh" content="${refreshSeconds}" />` : null}
        <title>${title}</title>
        <style>
          ${STYLE}
        </style>
      </head>
      <body>
        <header>
          <h1><a href="/">facetrail</a></h1>
        </header>
        ${body}
      </body>
    </html>`.value;
}

/** Faces nobody was found for: unknown people, and faces too small or blurred to tell. */
function unmatchedNote(image: ImageRecord): string {
  const unmatched = image.faces.filter((face) => !face.person);
  const unidentifiable = unmatched.filter((face) => face.unidentifiable).length;
  const unknown = unmatched.length - unidentifiable;
  return [
    unknown > 0 ? `${unknown} unknown` : '',
    unidentifiable > 0 ? `${unidentifiable} too small or blurred to identify` : '',
  ]
    .filter(Boolean)
    .join(', ');
}

function peopleCell(image: ImageRecord): SafeHtml {
  const note = unmatchedNote(image);
  if (image.people.length === 0) return html`<span class="none">${note || '—'}</span>`;
  return html`${image.people.map((person, index) => html`${index > 0 ? ', ' : ''}<a href="/people/${person.id}">${person.name}</a>`)}${note ? html` <span class="none">(+ ${note})</span>` : ''}`;
}

function imagesTable(images: ImageRecord[]): SafeHtml {
  if (images.length === 0) return html`<p>No images yet.</p>`;
  return html`<table>
    <thead>
      <tr>
        <th>#</th>
        <th>Photo</th>
        <th>Path</th>
        <th>People</th>
        <th>Status</th>
        <th>Received</th>
      </tr>
    </thead>
    <tbody>
      ${images.map(
        (image) =>
          html`<tr data-image-id="${image.id}">
            <td>${image.id}</td>
            <td>
              <img
                class="thumb"
                loading="lazy"
                alt="${image.path}"
                src="/images/${image.id}/thumbnail"
              />
            </td>
            <td>${image.path}</td>
            <td>${peopleCell(image)}</td>
            <td class="status-${image.status}">
              ${image.status}${image.error ? html` <small title="${image.error.message}">(${image.error.code})</small>` : null}
            </td>
            <td>
              <time datetime="${image.createdAt}"
                >${image.createdAt.replace('T', ' ').slice(0, 19)}</time
              >
            </td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

export interface ResultsPageInput {
  images: ImageRecord[];
  next: number | null;
  people: PersonSummary[];
  filter: { status?: string; personId?: number };
  refreshSeconds: number;
}

/** The results page: newest first, filters, pagination; refreshes itself while work is pending. */
export function resultsPage(input: ResultsPageInput): string {
  const pending = input.images.some(
    (image) => image.status === 'PENDING' || image.status === 'PROCESSING',
  );
  const query = (extra: Record<string, string | number | undefined>) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries({
      status: input.filter.status,
      personId: input.filter.personId,
      ...extra,
    })) {
      if (value !== undefined && value !== '') params.set(key, String(value));
    }
    return `/?${params.toString()}`;
  };
  const body = html` <form method="get" action="/">
      <label
        >Status
        <select name="status">
          <option value="">any</option>
          ${IMAGE_STATUSES.map(
            (status) =>
              html`<option
                value="${status}"
                ${input.filter.status === status ? html` selected` : null}
              >
                ${status}
              </option>`,
          )}
        </select></label
      >
      <label
        >Person
        <select name="personId">
          <option value="">anyone</option>
          ${input.people.map(
            (person) =>
              html`<option
                value="${person.id}"
                ${input.filter.personId === person.id ? html` selected` : null}
              >
                ${person.name}
              </option>`,
          )}
        </select></label
      >
      <button type="submit">Filter</button>
    </form>
    ${imagesTable(input.images)}
    <nav>
      ${input.next !== null ? html`<a rel="next" href="${query({ before: input.next })}">Older →</a>` : null}
    </nav>`;
  return layout('facetrail — results', body, pending ? input.refreshSeconds : undefined);
}

/** One person's history: when and where they were seen. */
export function personPage(person: Person, images: ImageRecord[], next: number | null): string {
  const body = html`<h2>${person.name}</h2>
    <p>Seen on ${images.length}${next !== null ? '+' : ''} photo(s).</p>
    ${imagesTable(images)}
    <nav>
      ${next !== null ? html`<a rel="next" href="/people/${person.id}?before=${next}">Older →</a>` : null}
    </nav>`;
  return layout(`facetrail — ${person.name}`, body);
}

export function errorPage(status: number, message: string): string {
  return layout(
    `facetrail — ${status}`,
    html`<h2>${status}</h2>
      <p>${message}</p>`,
  );
}
