import type { RecognizerConfig } from './config.js';
import { SSD_INPUT_SIZE } from './fast-ssd.js';

/**
 * Names what makes a face's descriptor: the networks and every setting that changes the
 * numbers (detector and its input, scaling, the small-photo path, mirror averaging), not those
 * that only change which faces are kept (MIN_DETECTION_SCORE) or how they are matched. Stored
 * with each face: Rescore compares a stored descriptor with the gallery only when they were
 * made the same way.
 */
export function descriptorVersion(
  settings: Pick<
    RecognizerConfig,
    | 'detector'
    | 'tinyInputSize'
    | 'ssdInputSize'
    | 'inferenceMaxSide'
    | 'smallPhotoSide'
    | 'smallPhotoPadding'
    | 'mirrorAverage'
  >,
): string {
  const detector =
    settings.detector === 'ssd'
      ? `ssd${settings.ssdInputSize}/${SSD_INPUT_SIZE}`
      : `tiny${settings.tinyInputSize}`;
  return [
    'face-api resnet128 v1',
    detector,
    `max${settings.inferenceMaxSide}`,
    `small${settings.smallPhotoSide}x${settings.smallPhotoPadding}`,
    `mirror-${settings.mirrorAverage}`,
  ].join(' ');
}
