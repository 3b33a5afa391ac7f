import type { AuditRecord } from '../../../lib/db/audit-repo.js';
import { html } from '../html.js';
import { pager, time } from './common.js';
import { layout, type Viewer } from './layout.js';

const ACTIONS: Record<string, string> = {
  'person.create': 'added a person',
  'person.rename': 'renamed a person',
  'person.merge': 'merged two people',
  'person.forget': 'forgot a person',
  'person.enroll': 'enrolled a photo',
  'person.unenroll': 'removed an enrollment photo',
  'image.delete': 'deleted a photo',
  'face.assign': 'named a face',
  'images.rescore': 're-scored photos',
  'key.create': 'created a key',
  'key.revoke': 'revoked a key',
};

function describe(details: Record<string, unknown> | null): string {
  if (!details) return '—';
  return Object.entries(details)
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join('; ');
}

/** Who changed what, and when: newest first. */
export function auditPage(input: {
  entries: AuditRecord[];
  next: number | null;
  /** True on an older page: offer the way back to the newest entries. */
  newest: boolean;
  viewer: Viewer;
}): string {
  const body = html`<h1>Audit log</h1>
    <p>Every change an admin made to people, photos and faces. Details naming a person are cleared when the person is forgotten.</p>
    ${
      input.entries.length === 0
        ? html`<div class="empty"><p>Nothing has been changed yet.</p></div>`
        : html`<ol class="audit">
            ${input.entries.map(
              (entry) => html`<li data-audit-id="${entry.id}">
                <p>${time(entry.at)} · <strong>${entry.actor}</strong> (${entry.actorRole}) ${ACTIONS[entry.action] ?? entry.action}
                  ${entry.personId !== null ? html` · <a href="/people/${entry.personId}">person ${entry.personId}</a>` : null}
                  ${entry.imageId !== null ? html` · <a href="/images/${entry.imageId}">photo ${entry.imageId}</a>` : null}
                </p>
                <p class="muted">${describe(entry.details)}</p>
              </li>`,
            )}
          </ol>`
    }
    ${pager({
      newer: input.newest ? '/audit' : null,
      older: input.next !== null ? `/audit?before=${input.next}` : null,
    })}`;
  return layout({ title: 'Audit log', viewer: input.viewer, section: 'audit' }, body);
}
