import type { ImageRecord } from '../../../lib/image-record.js';
import type { EnrollmentPhoto, PersonStats } from '../../../lib/db/results-repo.js';
import { html, type SafeHtml } from '../html.js';
import { imageCards, pager, time } from './common.js';
import { rescoreForm } from './image.js';
import { csrfField, isAdmin, layout, type Flash, type Viewer } from './layout.js';

export interface PeoplePageInput {
  people: Array<{ id: number; name: string; stats: PersonStats }>;
  search: string;
  next: string | null;
  previous: string | null;
  viewer: Viewer | undefined;
  flash?: Flash[] | undefined;
  canEnroll: boolean;
  maxUploadMb: number;
}

const ENROLL_OFF =
  'Enrollment from this page is off: the frontend has no RECOGNIZER_SECRET. Use `npx facetrail enroll <folder>`.';

function uploadField(id: string, maxUploadMb: number, required: boolean): SafeHtml {
  return html`<div class="field">
    <label for="${id}">Photos of their face (JPEG, PNG or WebP; one face each, up to ${maxUploadMb} MB)</label>
    <input id="${id}" name="photos" type="file" accept="image/jpeg,image/png,image/webp" multiple${required ? html` required` : null} />
  </div>`;
}

function newPersonForm(input: PeoplePageInput): SafeHtml | null {
  if (!isAdmin(input.viewer)) return null;
  if (!input.canEnroll) return html`<p class="muted">${ENROLL_OFF}</p>`;
  return html`<details class="admin-box">
    <summary>Add a person</summary>
    <form method="post" action="/people" enctype="multipart/form-data">
      ${csrfField(input.viewer!)}
      <div class="field">
        <label for="new-name">Name</label>
        <input id="new-name" name="name" required maxlength="255" autocomplete="off" />
      </div>
      ${uploadField('new-photos', input.maxUploadMb, true)}
      <button type="submit">Add and enroll</button>
    </form>
  </details>`;
}

/** Everyone known: face, enrollment photos, sightings, last seen. */
export function peoplePage(input: PeoplePageInput): string {
  const body = html`<h1>People</h1>
    <form class="filters" method="get" action="/people" role="search" aria-label="Find a person">
      <div class="field">
        <label for="q">Name</label>
        <input id="q" name="q" type="search" value="${input.search}" autocomplete="off" />
      </div>
      <div class="actions"><button type="submit">Find</button>${input.search ? html` <a href="/people">Everyone</a>` : null}</div>
    </form>
    ${newPersonForm(input)}
    ${
      input.people.length === 0
        ? html`<div class="empty">
            ${
              input.search
                ? html`<p>Nobody known matches “${input.search}”.</p><p><a class="button" href="/people">Show everyone</a></p>`
                : html`<p>Nobody is enrolled yet. Enroll the example with <code>npx facetrail enroll examples/known</code>.</p>`
            }
          </div>`
        : html`<ul class="cards people" aria-label="People">
            ${input.people.map(
              (person) => html`<li class="card person-card" data-person-id="${person.id}">
                <a class="thumb-link" href="/people/${person.id}"
                  ><img class="face" src="/people/${person.id}/face" width="120" height="120" loading="lazy"
                    alt="Face of ${person.name}" /></a>
                <div class="card-body">
                  <h2 class="card-title"><a href="/people/${person.id}">${person.name}</a></h2>
                  <p>${person.stats.photos} enrollment photo${person.stats.photos === 1 ? '' : 's'}</p>
                  <p>Seen on ${person.stats.sightings} photo${person.stats.sightings === 1 ? '' : 's'}</p>
                  <p class="muted">Last seen ${person.stats.lastSeen ? time(person.stats.lastSeen.at) : 'never'}</p>
                </div>
              </li>`,
            )}
          </ul>`
    }
    ${pager({ newer: input.previous, older: input.next })}`;
  return layout(
    { title: 'People', viewer: input.viewer, section: 'people', flash: input.flash },
    body,
  );
}

export interface PersonPageInput {
  person: { id: number; name: string; createdAt: string };
  stats: PersonStats;
  photos: EnrollmentPhoto[];
  /** Sightings per day, oldest first, with the day's label in the viewer's zone. */
  days: Array<{ label: string; iso: string; count: number }>;
  zone: string;
  sightings: ImageRecord[];
  newer: string | null;
  older: string | null;
  first: string | null;
  others: Array<{ id: number; name: string }>;
  viewer: Viewer | undefined;
  flash?: Flash[] | undefined;
  canEnroll: boolean;
  maxUploadMb: number;
  live: 'head' | 'ids';
}

/** Sightings per day as bars (SVG, no inline style), with the numbers in a table beside. */
function sightingsChart(input: PersonPageInput): SafeHtml {
  const max = Math.max(1, ...input.days.map((day) => day.count));
  const barWidth = 20;
  const height = 80;
  return html`<figure class="chart">
    <svg viewBox="0 0 ${input.days.length * barWidth} ${height + 2}" role="img"
      aria-labelledby="chart-caption" preserveAspectRatio="none">
      ${input.days.map((day, index) => {
        const barHeight = Math.round((day.count / max) * height);
        return html`<rect x="${index * barWidth + 2}" y="${height - barHeight + 1}" width="${barWidth - 4}" height="${Math.max(barHeight, day.count > 0 ? 2 : 0)}"><title>${day.label}: ${day.count}</title></rect>`;
      })}
      <line x1="0" y1="${height + 1}" x2="${input.days.length * barWidth}" y2="${height + 1}"></line>
    </svg>
    <figcaption id="chart-caption">
      Photos ${input.person.name} was recognised on, per day, over the last ${input.days.length} days (${input.zone}).
    </figcaption>
    <details>
      <summary>As a table</summary>
      <table>
        <thead><tr><th scope="col">Day</th><th scope="col">Photos</th></tr></thead>
        <tbody>${input.days.map((day) => html`<tr><td>${day.label}</td><td>${day.count}</td></tr>`)}</tbody>
      </table>
    </details>
  </figure>`;
}

function enrollmentPhotos(input: PersonPageInput): SafeHtml {
  const admin = isAdmin(input.viewer);
  if (input.photos.length === 0)
    return html`<p>No enrollment photos: facetrail cannot recognise ${input.person.name} until one is added.</p>`;
  return html`<ul class="photos" aria-label="Enrollment photos">
    ${input.photos.map(
      (photo) => html`<li data-photo-id="${photo.id}">
        ${
          photo.storedPath
            ? html`<img src="/people/${input.person.id}/photos/${photo.id}" width="160" height="160" loading="lazy"
                alt="Enrollment photo ${photo.imageName} of ${input.person.name}" />`
            : html`<p class="muted">Not stored by facetrail (enrolled from a folder or a path).</p>`
        }
        <p class="muted">${photo.imageName} · added ${time(photo.createdAt)}</p>
        ${
          admin
            ? html`<form method="post" action="/people/${input.person.id}/photos/${photo.id}/remove">
                ${csrfField(input.viewer!)}
                <button type="submit" class="link danger">Remove<span class="visually-hidden"> ${photo.imageName}</span></button>
              </form>`
            : null
        }
      </li>`,
    )}
  </ul>`;
}

function adminForms(input: PersonPageInput): SafeHtml | null {
  if (!isAdmin(input.viewer)) return null;
  const viewer = input.viewer!;
  const { person } = input;
  return html`<section class="admin" aria-labelledby="admin-heading">
    <h2 id="admin-heading">Change ${person.name}</h2>
    <div class="admin-grid">
      ${
        input.canEnroll
          ? html`<form method="post" action="/people/${person.id}/photos" enctype="multipart/form-data">
              <h3>Add enrollment photos</h3>
              ${csrfField(viewer)} ${uploadField('add-photos', input.maxUploadMb, true)}
              <button type="submit">Enroll</button>
            </form>`
          : html`<p class="muted">${ENROLL_OFF}</p>`
      }
      <form method="post" action="/people/${person.id}/rename">
        <h3>Rename</h3>
        ${csrfField(viewer)}
        <div class="field">
          <label for="rename">New name</label>
          <input id="rename" name="name" required maxlength="255" value="${person.name}" autocomplete="off" />
        </div>
        <button type="submit">Rename</button>
      </form>
      ${
        input.others.length > 0
          ? html`<form method="post" action="/people/${person.id}/merge">
              <h3>Merge</h3>
              ${csrfField(viewer)}
              <div class="field">
                <label for="merge-from">Merge this person into ${person.name}</label>
                <select id="merge-from" name="from" required>
                  <option value="">Choose…</option>
                  ${input.others.map((other) => html`<option value="${other.id}">${other.name}</option>`)}
                </select>
              </div>
              <p class="muted">Their enrollment photos and sightings become ${person.name}'s; their name goes.</p>
              <button type="submit">Merge</button>
            </form>`
          : null
      }
      <div>
        <h3>Re-score</h3>
        <p class="muted">Decide recent photos again against ${person.name}'s enrollment photos as they are now.</p>
        ${rescoreForm({ viewer, personId: person.id, next: `/people/${person.id}` })}
      </div>
      <div>
        <h3>Forget</h3>
        <p><a class="danger" href="/people/${person.id}/forget">Forget ${person.name}</a></p>
      </div>
    </div>
  </section>`;
}

/** One person: face, enrollment photos, sightings over time and the photos they are on. */
export function personPage(input: PersonPageInput): string {
  const { person, stats } = input;
  const body = html`<div class="person-head">
      <img class="face" src="/people/${person.id}/face" width="120" height="120" alt="Face of ${person.name}" />
      <div>
        <h1>${person.name}</h1>
        <p>
          ${stats.photos} enrollment photo${stats.photos === 1 ? '' : 's'} · seen on ${stats.sightings}
          photo${stats.sightings === 1 ? '' : 's'} · last seen ${stats.lastSeen ? time(stats.lastSeen.at) : 'never'}
        </p>
        <p><a href="/?personId=${person.id}">Filter the results by ${person.name}</a></p>
      </div>
    </div>
    <h2>Sightings over time</h2>
    ${sightingsChart(input)}
    <h2>Enrollment photos</h2>
    ${enrollmentPhotos(input)}
    ${adminForms(input)}
    <h2>Photos ${person.name} is on</h2>
    <section id="live" aria-label="Photos of ${person.name}" data-ids="${input.sightings.map((image) => image.id).join(' ')}">
      ${personSightings(input)}
    </section>`;
  return layout(
    {
      title: person.name,
      viewer: input.viewer,
      section: 'people',
      flash: input.flash,
      live: input.live,
    },
    body,
  );
}

export function personSightings(input: PersonPageInput): SafeHtml {
  if (input.sightings.length === 0)
    return html`<div class="empty"><p>${input.person.name} has not been recognised on any photo${input.first ? ' on this page' : ''}.</p></div>`;
  return html`${imageCards(input.sightings, input.viewer, `Photos of ${input.person.name}, newest first`)}
    ${pager({ first: input.first, newer: input.newer, older: input.older })}`;
}
