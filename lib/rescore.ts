import type { FacesRepository, ReplayableFace } from './db/faces-repo.js';
import type { RecognizerClient } from './recognizer/client.js';
import type { RescoreDecision } from './recognizer/protocol.js';

export interface RescoreFilter {
  /** Only faces of images submitted at or after this time. */
  since?: Date;
  /** Only decisions that involve this person: faces attributed to them before or after. */
  personId?: number;
  /** Only the faces of these images. */
  imageIds?: number[];
}

export interface RescoreSummary {
  /** Stored faces with a descriptor, in the filter's time range. */
  examined: number;
  /** Faces whose person changed (within the person filter). */
  changed: number;
  /** Of those: newly attributed to someone, and no longer attributed to anyone. */
  matched: number;
  unmatched: number;
  /** Faces whose descriptor was made by another model or settings: left as they were. */
  skipped: number;
  /** Images with at least one changed face. */
  images: number[];
  descriptorVersion: string;
  matchVersion: string;
}

export interface RescoreDependencies {
  faces: Pick<FacesRepository, 'listReplayable' | 'setDecision'>;
  recognizer: Pick<RecognizerClient, 'rescore'>;
  /** Faces sent to the recognizer per call; default 500. */
  batchSize?: number;
}

function involves(filter: RescoreFilter, face: ReplayableFace, decision: RescoreDecision): boolean {
  if (filter.personId === undefined) return true;
  return face.personId === filter.personId || decision.match?.personId === filter.personId;
}

/**
 * Decides stored faces again, without inference: their descriptors go to the recognizer's
 * Rescore (today's gallery and match rule, the same code Identify runs) in batches, and every
 * face whose decision moved is updated. The recognizer owns the rule and the gallery, so a
 * replay can never disagree with what Identify would answer now; this side owns the rows.
 * A face of another descriptor version is skipped: its numbers are not comparable.
 */
export async function rescoreFaces(
  deps: RescoreDependencies,
  filter: RescoreFilter = {},
): Promise<RescoreSummary> {
  const batchSize = deps.batchSize ?? 500;
  const summary: RescoreSummary = {
    examined: 0,
    changed: 0,
    matched: 0,
    unmatched: 0,
    skipped: 0,
    images: [],
    descriptorVersion: '',
    matchVersion: '',
  };
  const images = new Set<number>();
  let afterId = 0;
  for (;;) {
    const faces = await deps.faces.listReplayable({
      afterId,
      limit: batchSize,
      since: filter.since,
      ...(filter.imageIds ? { imageIds: filter.imageIds } : {}),
    });
    if (faces.length === 0) break;
    afterId = faces.at(-1)!.id;
    const answer = await deps.recognizer.rescore(
      faces.map((face) => ({
        id: face.id,
        descriptor: face.descriptor,
        quality: face.quality,
        descriptorVersion: face.descriptorVersion,
      })),
    );
    summary.descriptorVersion = answer.descriptorVersion;
    summary.matchVersion = answer.matchVersion;
    const decisions = new Map(answer.decisions.map((decision) => [Number(decision.id), decision]));
    for (const face of faces) {
      summary.examined += 1;
      const decision = decisions.get(face.id);
      if (!decision || decision.skipped) {
        summary.skipped += 1;
        continue;
      }
      if (!involves(filter, face, decision)) continue;
      const personId = decision.match ? Number(decision.match.personId) : null;
      const next = {
        personId,
        distance: decision.match ? decision.match.distance : null,
        unidentifiable: decision.unidentifiable || null,
        matchVersion: answer.matchVersion,
      };
      const same =
        next.personId === face.personId &&
        next.unidentifiable === face.unidentifiable &&
        next.matchVersion === face.matchVersion &&
        (next.distance === null) === (face.distance === null) &&
        Math.abs((next.distance ?? 0) - (face.distance ?? 0)) < 1e-9;
      if (same) continue;
      await deps.faces.setDecision(face.id, next);
      if (next.personId !== face.personId) {
        summary.changed += 1;
        if (next.personId !== null) summary.matched += 1;
        else summary.unmatched += 1;
        images.add(face.imageId);
      }
    }
    if (faces.length < batchSize) break;
  }
  summary.images = [...images].sort((a, b) => a - b);
  return summary;
}
