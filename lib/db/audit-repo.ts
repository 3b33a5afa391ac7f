import type { Db } from './connect.js';

/** What an admin did; the catalogue of actions the audit log records. */
export const AUDIT_ACTIONS = [
  'person.create',
  'person.rename',
  'person.merge',
  'person.forget',
  'person.enroll',
  'person.unenroll',
  'image.delete',
  'face.assign',
  'images.rescore',
  'key.create',
  'key.revoke',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEntry {
  actor: { name: string; role: string };
  action: AuditAction;
  personId?: number | null;
  imageId?: number | null;
  /** What changed (names, counts): shown on the audit page, cleared when the person is forgotten. */
  details?: Record<string, unknown>;
}

export interface AuditRecord {
  id: number;
  at: string;
  actor: string;
  actorRole: string;
  action: string;
  personId: number | null;
  imageId: number | null;
  details: Record<string, unknown> | null;
}

/** Who changed what, and when (sql/006_results_page.sql). */
export class AuditRepository {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async record(entry: AuditEntry): Promise<void> {
    const details = entry.details ? JSON.stringify(entry.details).slice(0, 2048) : null;
    await this.db
      .insertInto('audit_log')
      .values({
        created_at: this.now(),
        actor: entry.actor.name.slice(0, 100),
        actor_role: entry.actor.role,
        action: entry.action,
        person_id: entry.personId ?? null,
        image_id: entry.imageId ?? null,
        details,
      })
      .execute();
  }

  /** Newest first, keyset-paged on id. */
  async list(options: {
    before?: number | undefined;
    personId?: number | undefined;
    limit: number;
  }): Promise<{ entries: AuditRecord[]; next: number | null }> {
    let query = this.db.selectFrom('audit_log').selectAll().orderBy('id', 'desc');
    if (options.before !== undefined) query = query.where('id', '<', options.before);
    if (options.personId !== undefined) query = query.where('person_id', '=', options.personId);
    const rows = await query.limit(options.limit + 1).execute();
    const entries = rows.slice(0, options.limit).map((row) => ({
      id: Number(row.id),
      at: row.created_at.toISOString(),
      actor: row.actor,
      actorRole: row.actor_role,
      action: row.action,
      personId: row.person_id === null ? null : Number(row.person_id),
      imageId: row.image_id === null ? null : Number(row.image_id),
      details: parseDetails(row.details),
    }));
    return { entries, next: rows.length > options.limit ? entries.at(-1)!.id : null };
  }
}

function parseDetails(text: string | null): Record<string, unknown> | null {
  if (!text) return null;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { text };
  }
}
