import type { ImageRecord } from '../../lib/db/images-repo.js';
import type { Person, PersonSummary } from '../../lib/db/people-repo.js';
import { IMAGE_STATUSES } from '../../lib/db/schema.js';
import { html, type SafeHtml } from './html.js';

/** The page's styles, served as /static/facetrail.css: the Content-Security-Policy allows no inline style or script. */
export const STYLESHEET = `
body{font-family:system-ui,sans-serif;margin:2rem;color:#1d232a}
header{display:flex;align-items:center;justify-content:space-between;gap:1rem;flex-wrap:wrap}
header form{margin:0}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #dde}
img.thumb{max-width:96px;max-height:72px;border-radius:4px}
.status-FAILED{color:#b00020}.status-PENDING,.status-PROCESSING{color:#8a6d00}.status-PROCESSED{color:#1b6e20}
form{margin:1rem 0}nav{margin:1rem 0}
.danger{color:#b00020}button.danger{background:#b00020;color:#fff;border:0;padding:.4rem .8rem;border-radius:4px}
.notice{background:#eef6ee;padding:.5rem 1rem;border-radius:4px}.error{background:#fdecec;padding:.5rem 1rem;border-radius:4px}
label.key input{width:min(40rem,100%);font-family:monospace}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
`;

/** Who is looking at the page: their key's name and role, and the session's form token. */
export interface Viewer {
  name: string;
  role: 'admin' | 'viewer' | 'ingest';
  csrfToken: string;
}

const isAdmin = (viewer: Viewer | undefined) => viewer?.role === 'admin';

function layout(
  title: string,
  body: SafeHtml,
  viewer: Viewer | undefined,
  refreshSeconds?: number,
): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        ${refreshSeconds ? html`<meta http-equiv="refresh" content="${refreshSeconds}" />` : null}
        <title>${title}</title>
        <link rel="stylesheet" href="/static/facetrail.css" />
      </head>
      <body>
        <header>
          <h1><a href="/">facetrail</a></h1>
          ${
            viewer
              ? html`<form method="post" action="/logout">
                <span>Signed in as <strong>${viewer.name}</strong> (${viewer.role})</span>
                <input type="hidden" name="_csrf" value="${viewer.csrfToken}" />
                <button type="submit">Sign out</button>
              </form>`
              : null
          }
        </header>
        <main>${body}</main>
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

function imagesTable(images: ImageRecord[], viewer: Viewer | undefined): SafeHtml {
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
        ${isAdmin(viewer) ? html`<th><span class="visually-hidden">Actions</span></th>` : null}
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
            ${
              isAdmin(viewer)
                ? html`<td>
                  <a class="danger" href="/images/${image.id}/delete">Delete</a>
                </td>`
                : null
            }
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
  viewer: Viewer | undefined;
  notice?: string | undefined;
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
  const body = html`${input.notice ? html`<p class="notice" role="status">${input.notice}</p>` : null}
    <form method="get" action="/">
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
    ${imagesTable(input.images, input.viewer)}
    <nav>
      ${input.next !== null ? html`<a rel="next" href="${query({ before: input.next })}">Older →</a>` : null}
    </nav>`;
  return layout(
    'facetrail — results',
    body,
    input.viewer,
    pending ? input.refreshSeconds : undefined,
  );
}

/** One person's history: when and where they were seen. */
export function personPage(
  person: Person,
  images: ImageRecord[],
  next: number | null,
  viewer: Viewer | undefined,
): string {
  const body = html`<h2>${person.name}</h2>
    <p>Seen on ${images.length}${next !== null ? '+' : ''} photo(s).</p>
    ${
      isAdmin(viewer)
        ? html`<p><a class="danger" href="/people/${person.id}/forget">Forget ${person.name}</a></p>`
        : null
    }
    ${imagesTable(images, viewer)}
    <nav>
      ${next !== null ? html`<a rel="next" href="/people/${person.id}?before=${next}">Older →</a>` : null}
    </nav>`;
  return layout(`facetrail — ${person.name}`, body, viewer);
}

export function errorPage(status: number, message: string, viewer?: Viewer): string {
  return layout(
    `facetrail — ${status}`,
    html`<h2>${status}</h2>
      <p class="error" role="alert">${message}</p>`,
    viewer,
  );
}

/** The sign-in page: one key, pasted once; the session lasts SESSION_TTL_HOURS. */
export function loginPage(input: {
  csrfToken: string;
  next: string;
  message?: string | undefined;
}): string {
  const body = html`<h2>Sign in</h2>
    ${input.message ? html`<p class="error" role="alert">${input.message}</p>` : null}
    <p>Paste the key an administrator gave you (a viewer or admin key).</p>
    <form method="post" action="/login">
      <input type="hidden" name="_csrf" value="${input.csrfToken}" />
      <input type="hidden" name="next" value="${input.next}" />
      <label class="key"
        >Key <input name="key" type="password" autocomplete="off" required autofocus
      /></label>
      <button type="submit">Sign in</button>
    </form>`;
  return layout('facetrail — sign in', body, undefined);
}

/** Asks an admin to confirm a deletion that cannot be undone; posting the form does it. */
export function confirmPage(input: {
  title: string;
  explanation: string;
  action: string;
  button: string;
  viewer: Viewer;
}): string {
  const body = html`<h2>${input.title}</h2>
    <p>${input.explanation}</p>
    <form method="post" action="${input.action}">
      <input type="hidden" name="_csrf" value="${input.viewer.csrfToken}" />
      <button type="submit" class="danger">${input.button}</button>
      <a href="/">Cancel</a>
    </form>`;
  return layout(`facetrail — ${input.title}`, body, input.viewer);
}
