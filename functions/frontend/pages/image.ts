import type { FaceRecord, ImageRecord } from '../../../lib/image-record.js';
import { html, type SafeHtml } from '../html.js';
import { confidence, imageAlt, imageTitle, statusLine, time } from './common.js';
import { isAdmin, layout, type Flash, type Viewer } from './layout.js';

export interface ImagePageInput {
  image: ImageRecord;
  /** The upright photo's size (boxes are in its pixels); undefined when it cannot be read. */
  size: { width: number; height: number } | undefined;
  /** Why the photo cannot be shown, when it cannot. */
  photoProblem?: string | undefined;
  viewer: Viewer | undefined;
  /** Known people, for an admin's "this is …" (empty for viewers). */
  people?: Array<{ id: number; name: string }>;
  flash?: Flash[] | undefined;
}

/** Why a face got no name, in words (TOO_SMALL, TOO_BLURRED from the recognizer). */
const UNIDENTIFIABLE: Record<string, string> = {
  TOO_SMALL: 'too small to identify',
  TOO_BLURRED: 'too blurred to identify',
};

export function unidentifiableReason(face: FaceRecord): string | undefined {
  return face.unidentifiable
    ? (UNIDENTIFIABLE[face.unidentifiable] ?? 'not identifiable')
    : undefined;
}

function faceLabel(face: FaceRecord, index: number): string {
  return face.person
    ? `${index + 1} ${face.person.name} ${confidence(face.distance) ?? ''}`.trim()
    : `${index + 1} ${unidentifiableReason(face) ? 'too small or blurred' : 'unknown'}`;
}

/** The face boxes, drawn in the photo's own pixels and scaled with it (SVG over the image). */
function boxes(image: ImageRecord, size: { width: number; height: number }): SafeHtml {
  const stroke = Math.max(2, Math.round(Math.max(size.width, size.height) / 250));
  const fontSize = Math.max(12, Math.round(Math.max(size.width, size.height) / 32));
  return html`<svg class="boxes" viewBox="0 0 ${size.width} ${size.height}" preserveAspectRatio="none"
    aria-hidden="true" focusable="false">
    ${image.faces.map((face, index) => {
      const labelY =
        face.box.y > fontSize * 1.4
          ? face.box.y - fontSize * 0.35
          : face.box.y + face.box.height + fontSize;
      // A label on the right half runs leftwards from the box's right edge, so it stays on the photo.
      const rightHalf = face.box.x + face.box.width / 2 > size.width / 2;
      const labelX = rightHalf ? face.box.x + face.box.width : face.box.x;
      return html`<g class="face ${face.person ? 'known' : 'unknown'}" data-face-id="${face.id}"
        data-box="${face.box.x},${face.box.y},${face.box.width},${face.box.height}">
        <rect x="${face.box.x}" y="${face.box.y}" width="${face.box.width}" height="${face.box.height}"
          stroke-width="${stroke}" ${face.person ? null : html`stroke-dasharray="${stroke * 3} ${stroke * 2}"`}></rect>
        <text x="${labelX}" y="${Math.round(labelY)}" text-anchor="${rightHalf ? 'end' : 'start'}" font-size="${fontSize}" stroke-width="${Math.max(1, Math.round(stroke / 1.5))}">${faceLabel(face, index)}</text>
      </g>`;
    })}
  </svg>`;
}

function faceList(input: ImagePageInput): SafeHtml {
  const { image } = input;
  if (image.status !== 'PROCESSED')
    return html`<p>${image.status === 'FAILED' ? 'No faces: the photo could not be recognised.' : 'Faces appear here when the photo is recognised.'}</p>`;
  if (image.faces.length === 0) return html`<p>No faces were found on this photo.</p>`;
  return html`<ol class="faces">
    ${image.faces.map(
      (
        face,
        index,
      ) => html`<li data-face-id="${face.id}" class="${face.person ? 'known' : 'unknown'}">
        <span class="face-number">${index + 1}</span>
        ${
          face.person
            ? html`<a href="/people/${face.person.id}">${face.person.name}</a>,
                match ${confidence(face.distance)} <span class="muted">(distance ${face.distance?.toFixed(3)})</span>`
            : unidentifiableReason(face)
              ? html`<strong>Not identified</strong>: ${unidentifiableReason(face)}${
                  face.quality ? html` <span class="muted">(${face.quality.size} px)</span>` : null
                }`
              : html`<strong>Unknown</strong>${
                  face.distance === null
                    ? null
                    : html` <span class="muted">(nobody within the match threshold)</span>`
                }`
        }
        <span class="muted">· detection ${Math.round(face.score * 100)}%</span>
        ${isAdmin(input.viewer) ? assignForm(face, index, input.viewer!) : null}
      </li>`,
    )}
  </ol>
  ${
    isAdmin(input.viewer)
      ? html`${peopleList(input.people ?? [])}${rescoreForm({ viewer: input.viewer, next: `/images/${input.image.id}` })}`
      : null
  }`;
}

/** "This is …": an admin names the face (someone known, or a new person). */
function assignForm(face: FaceRecord, index: number, viewer: Viewer): SafeHtml {
  const id = `assign-${face.id}`;
  return html`<form class="assign" method="post" action="/faces/${face.id}/assign">
    <input type="hidden" name="_csrf" value="${viewer.csrfToken}" />
    <label for="${id}">${face.person ? 'Not right? This is' : 'This is'}</label>
    <input id="${id}" name="name" list="people-names" autocomplete="off" required
      placeholder="a name, known or new" aria-describedby="${id}-help" />
    <button type="submit">Save face ${index + 1}</button>
    <span id="${id}-help" class="muted">The face becomes an enrollment photo of that person.</span>
  </form>`;
}

function peopleList(people: Array<{ name: string }>): SafeHtml {
  return html`<datalist id="people-names">
    ${people.map((person) => html`<option value="${person.name}"></option>`)}
  </datalist>`;
}

/** Decide recent photos again against today's gallery (after a correction), without inference. */
export function rescoreForm(input: {
  viewer: Viewer | undefined;
  personId?: number;
  next?: string;
}): SafeHtml {
  return html`<form class="rescore" method="post" action="/rescore">
    <input type="hidden" name="_csrf" value="${input.viewer?.csrfToken ?? ''}" />
    ${input.personId ? html`<input type="hidden" name="personId" value="${input.personId}" />` : null}
    ${input.next ? html`<input type="hidden" name="next" value="${input.next}" />` : null}
    <label for="rescore-days">Re-score photos from the last</label>
    <select id="rescore-days" name="days">
      <option value="1">day</option>
      <option value="7" selected>7 days</option>
      <option value="30">30 days</option>
      <option value="all">everything</option>
    </select>
    <button type="submit">Re-score against the gallery</button>
  </form>`;
}

/** The photo, its faces, and what is known about it. */
export function imageRegion(input: ImagePageInput): SafeHtml {
  const { image, size } = input;
  return html`<div class="image-layout">
    <figure class="photo">
      ${
        size
          ? html`<div class="photo-frame">
              <img id="photo" src="/images/${image.id}/photo" width="${size.width}" height="${size.height}"
                alt="${imageAlt(image)}" />
              ${image.status === 'PROCESSED' ? boxes(image, size) : null}
            </div>`
          : html`<p class="error" role="alert">${input.photoProblem ?? 'The photo cannot be shown.'}</p>`
      }
      <figcaption>${imageAlt(image)}</figcaption>
    </figure>
    <div class="image-details">
      <h2>Faces</h2>
      ${faceList(input)}
      <h2>Details</h2>
      <dl class="details">
        <dt>Door or camera</dt><dd>${image.door ?? '—'}</dd>
        <dt>Taken</dt><dd>${time(image.capturedAt, 'not given')}</dd>
        <dt>Received</dt><dd>${time(image.createdAt)}</dd>
        <dt>Recognised</dt><dd>${time(image.processedAt, 'not yet')}</dd>
        <dt>File name</dt><dd>${image.originalName ?? '—'}</dd>
        <dt>Stored as</dt><dd><code>${image.path}</code></dd>
        <dt>Status</dt><dd>${statusLine(image)}</dd>
        <dt>Attempts</dt><dd>${image.attempts}</dd>
      </dl>
    </div>
  </div>`;
}

export function imagePage(input: ImagePageInput): string {
  const { image } = input;
  const pending = image.status === 'PENDING' || image.status === 'PROCESSING';
  const body = html`<h1>Photo ${image.id}: ${imageTitle(image)}</h1>
    ${
      isAdmin(input.viewer)
        ? html`<p class="actions"><a class="danger" href="/images/${image.id}/delete">Delete this photo</a></p>`
        : null
    }
    <section id="live" aria-label="Photo and faces" data-ids="${image.id}">${imageRegion(input)}</section>`;
  return layout(
    {
      title: `Photo ${image.id}`,
      viewer: input.viewer,
      section: 'results',
      flash: input.flash,
      live: 'ids',
      refreshSeconds: pending ? 5 : undefined,
    },
    body,
  );
}
