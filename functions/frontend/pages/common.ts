import type { FaceRecord, ImageRecord } from '../../../lib/image-record.js';
import { html, type SafeHtml } from '../html.js';
import { isAdmin, type Viewer } from './layout.js';

/**
 * A time: machine-readable in `datetime`, readable in UTC in the text; the page's script
 * rewrites the text in the viewer's own zone.
 */
export function time(iso: string | null | undefined, fallback = '—'): SafeHtml {
  if (!iso) return html`${fallback}`;
  const utc = `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
  return html`<time datetime="${iso}">${utc}</time>`;
}

export const STATUS_LABELS: Record<string, string> = {
  PENDING: 'Waiting',
  PROCESSING: 'Being recognised',
  PROCESSED: 'Done',
  FAILED: 'Failed',
};

/** Similarity shown for a match: 1 − distance, as a percentage (the match threshold is a distance). */
export function confidence(distance: number | null): string | null {
  return distance === null ? null : `${Math.round(Math.max(0, 1 - distance) * 100)}%`;
}

/** The faces nobody was found for: unknown people, and faces too small or blurred to tell. */
export function unmatchedCounts(faces: FaceRecord[]): { unknown: number; unidentifiable: number } {
  const unmatched = faces.filter((face) => !face.person);
  const unidentifiable = unmatched.filter((face) => face.unidentifiable).length;
  return { unknown: unmatched.length - unidentifiable, unidentifiable };
}

const plural = (count: number, one: string, many = `${one}s`) =>
  `${count} ${count === 1 ? one : many}`;

/** "Hannibal (69%), 1 unknown face, 1 face too small or blurred" — who is on a photo, in words. */
export function peopleSummary(faces: FaceRecord[]): string {
  if (faces.length === 0) return 'no faces';
  const known = faces.filter((face) => face.person);
  const { unknown, unidentifiable } = unmatchedCounts(faces);
  const parts = known.map((face) => `${face.person!.name} (${confidence(face.distance) ?? '—'})`);
  if (unknown > 0) parts.push(plural(unknown, 'unknown face'));
  if (unidentifiable > 0) parts.push(`${plural(unidentifiable, 'face')} too small or blurred`);
  return parts.join(', ');
}

/** How the photo is named on the page: door and file name when known, else its path. */
export function imageTitle(image: ImageRecord): string {
  const name = image.originalName ?? image.path.split('/').pop() ?? image.path;
  return image.door ? `${image.door} · ${name}` : name;
}

/** The alt text of a photo: which photo, where, and who is on it. */
export function imageAlt(image: ImageRecord): string {
  const where = image.door ? ` at ${image.door}` : '';
  if (image.status !== 'PROCESSED')
    return `Photo ${image.id}${where}, ${STATUS_LABELS[image.status]?.toLowerCase()}`;
  return `Photo ${image.id}${where}: ${peopleSummary(image.faces)}`;
}

function peopleLine(image: ImageRecord): SafeHtml {
  if (image.status !== 'PROCESSED') return html`<span class="muted">—</span>`;
  if (image.faces.length === 0) return html`<span class="muted">No faces</span>`;
  const known = image.faces.filter((face) => face.person);
  const { unknown, unidentifiable } = unmatchedCounts(image.faces);
  const links = known.map(
    (face, index) =>
      html`${index > 0 ? ', ' : ''}<a href="/people/${face.person!.id}">${face.person!.name}</a>
        <span class="confidence">${confidence(face.distance)}</span>`,
  );
  return html`${links}${
    unknown > 0
      ? html`${known.length > 0 ? ', ' : ''}<span class="unknown">${unknown} unknown</span>`
      : null
  }${
    unidentifiable > 0
      ? html`${known.length + unknown > 0 ? ', ' : ''}<span class="unknown"
            >${unidentifiable} too small or blurred to identify</span
          >`
      : null
  }`;
}

export function statusLine(image: ImageRecord): SafeHtml {
  return html`<span class="status status-${image.status}">${STATUS_LABELS[image.status] ?? image.status}</span>${
    image.error
      ? html`: <span class="error-text">${image.error.code} — ${image.error.message}</span>`
      : null
  }`;
}

/** One photo as a card: thumbnail (a link to its page), title, people, status, times. */
export function imageCard(image: ImageRecord, viewer: Viewer | undefined): SafeHtml {
  return html`<li class="card" data-image-id="${image.id}" data-status="${image.status}">
    <a class="thumb-link" href="/images/${image.id}"
      ><img
        class="thumb"
        loading="lazy"
        width="192"
        height="144"
        src="/images/${image.id}/thumbnail"
        alt="${imageAlt(image)}"
    /></a>
    <div class="card-body">
      <h2 class="card-title"><a href="/images/${image.id}">${imageTitle(image)}</a></h2>
      <p class="people">${peopleLine(image)}</p>
      <p>${statusLine(image)}</p>
      <p class="muted">
        #${image.id} · ${image.capturedAt ? html`taken ${time(image.capturedAt)}` : html`received ${time(image.createdAt)}`}
      </p>
      ${isAdmin(viewer) ? html`<p><a class="danger" href="/images/${image.id}/delete">Delete</a></p>` : null}
    </div>
  </li>`;
}

export function imageCards(
  images: ImageRecord[],
  viewer: Viewer | undefined,
  label: string,
): SafeHtml {
  return html`<ul class="cards" aria-label="${label}">
    ${images.map((image) => imageCard(image, viewer))}
  </ul>`;
}

/** Newer / older links of a keyset-paged list. */
export function pager(links: {
  newer: string | null;
  older: string | null;
  first?: string | null;
}): SafeHtml | null {
  if (!links.newer && !links.older) return null;
  return html`<nav class="pager" aria-label="Pages">
    ${links.first ? html`<a href="${links.first}">« Newest</a>` : null}
    ${links.newer ? html`<a rel="prev" href="${links.newer}">← Newer</a>` : null}
    ${links.older ? html`<a rel="next" href="${links.older}">Older →</a>` : null}
  </nav>`;
}
