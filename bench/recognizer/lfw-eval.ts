/**
 * Identification on LFW, offline: enroll the first photos of most people, identify their other
 * photos, and hold out whole people as strangers, rotating the held-out group (k folds) so
 * that every person is a stranger once. Matching uses the recognizer's own Gallery.
 */
import type { FaceQuality } from '../../lib/recognizer/protocol.js';
import { Gallery, type MatchStrategy } from '../../recognizer/gallery.js';
import type { Box } from '../../lib/box.js';

export interface Face {
  box: Box;
  score: number;
  descriptor: Float32Array;
  quality: FaceQuality;
}

export interface LfwPhoto {
  person: string;
  /** e.g. "lfw/Tony_Blair/3.jpg" */
  name: string;
  width: number;
  height: number;
  faces: Face[];
}

export interface EvalOptions {
  /** Enrollment photos per person: the first ones with exactly one face (the Enroller's rule). */
  enrollPhotos: number;
  folds: number;
  strategy: MatchStrategy;
}

/** One identification attempt: the subject face's nearest person, if any face was found. */
interface Trial {
  kind: 'enrolled' | 'stranger';
  truth: string;
  nearest: { person: string; distance: number } | undefined;
}

export interface Trials {
  trials: Trial[];
  /** Photos offered for enrollment that were refused (no face or several faces). */
  refused: number;
  enrolled: number;
  enrolledPeople: number;
}

export interface Outcome {
  threshold: number;
  probes: number;
  identified: number;
  wrongPerson: number;
  missed: number;
  /** Probes of enrolled people on which no face was found (part of missed). */
  noFace: number;
  strangers: number;
  strangersAccepted: number;
}

/** LFW photos are centred on their subject: the face closest to the centre is the one labelled. */
export function subjectFace(photo: LfwPhoto): Face | undefined {
  let best: Face | undefined;
  let bestDistance = Infinity;
  for (const face of photo.faces) {
    const distance = Math.hypot(
      face.box.x + face.box.width / 2 - photo.width / 2,
      face.box.y + face.box.height / 2 - photo.height / 2,
    );
    if (distance < bestDistance) {
      best = face;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * Runs every fold once and keeps each probe's nearest person; thresholds are applied later.
 * `probeSource`: identify the photos as another pipeline saw them (same photos, other
 * descriptors), to measure galleries and probes computed differently.
 */
export function runTrials(
  people: ReadonlyMap<string, LfwPhoto[]>,
  options: EvalOptions,
  probeSource?: ReadonlyMap<string, LfwPhoto[]>,
): Trials {
  const probeByName = new Map(
    [...(probeSource ?? people).values()].flat().map((photo) => [photo.name, photo]),
  );
  const asProbe = (photo: LfwPhoto) => probeByName.get(photo.name) ?? photo;
  const names = [...people.keys()].sort();
  const trials: Trial[] = [];
  let refused = 0;
  let enrolled = 0;
  let enrolledPeople = 0;
  for (let fold = 0; fold < options.folds; fold++) {
    const strangers = names.filter((_, index) => index % options.folds === fold);
    const members = names.filter((_, index) => index % options.folds !== fold);
    const entries = [];
    const probes: LfwPhoto[] = [];
    let personId = 0;
    const ids = new Map<string, number>();
    for (const person of members) {
      ids.set(person, ++personId);
      let taken = 0;
      for (const photo of people.get(person) ?? []) {
        if (taken < options.enrollPhotos) {
          if (photo.faces.length === 1) {
            entries.push({ personId, personName: person, descriptor: photo.faces[0]!.descriptor });
            taken += 1;
          } else {
            refused += 1;
          }
        } else {
          probes.push(photo);
        }
      }
      if (taken > 0) enrolledPeople += 1;
      enrolled += taken;
    }
    const gallery = new Gallery(entries, options.strategy);
    const nearest = (photo: LfwPhoto) => {
      const face = subjectFace(photo);
      const found = face ? gallery.nearest(face.descriptor) : undefined;
      return found ? { person: found.personName, distance: found.distance } : undefined;
    };
    for (const photo of probes)
      trials.push({ kind: 'enrolled', truth: photo.person, nearest: nearest(asProbe(photo)) });
    for (const person of strangers)
      for (const photo of people.get(person) ?? [])
        trials.push({ kind: 'stranger', truth: photo.person, nearest: nearest(asProbe(photo)) });
  }
  return { trials, refused, enrolled, enrolledPeople };
}

/** Counts at one threshold (a match is strictly below it, as in the recognizer). */
export function outcomeAt({ trials }: Trials, threshold: number): Outcome {
  const outcome: Outcome = {
    threshold,
    probes: 0,
    identified: 0,
    wrongPerson: 0,
    missed: 0,
    noFace: 0,
    strangers: 0,
    strangersAccepted: 0,
  };
  for (const trial of trials) {
    const accepted =
      trial.nearest && trial.nearest.distance < threshold ? trial.nearest : undefined;
    if (trial.kind === 'stranger') {
      outcome.strangers += 1;
      if (accepted) outcome.strangersAccepted += 1;
      continue;
    }
    outcome.probes += 1;
    if (!trial.nearest) outcome.noFace += 1;
    if (!accepted) outcome.missed += 1;
    else if (accepted.person === trial.truth) outcome.identified += 1;
    else outcome.wrongPerson += 1;
  }
  return outcome;
}

/** Thresholds from..to (inclusive) in steps, rounded to avoid float drift. */
export function thresholdGrid(from: number, to: number, step: number): number[] {
  const grid: number[] = [];
  for (let value = from; value <= to + step / 2; value += step) grid.push(Number(value.toFixed(4)));
  return grid;
}

/**
 * The default the data supports: the highest threshold at which at most `maxStrangerRate`
 * of the strangers are accepted (identification only grows with the threshold).
 */
export function chooseThreshold(
  trials: Trials,
  grid: readonly number[],
  maxStrangerRate: number,
): Outcome | undefined {
  let chosen: Outcome | undefined;
  for (const threshold of grid) {
    const outcome = outcomeAt(trials, threshold);
    if (outcome.strangersAccepted <= maxStrangerRate * outcome.strangers) chosen = outcome;
  }
  return chosen;
}
