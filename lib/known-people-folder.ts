import { readdir } from 'node:fs/promises';
import path from 'node:path';

/**
 * The known-people folder layouts (KNOWN_PEOPLE_DIR, README "Configuration"), shared by the
 * recognizer's enrollment at start and the CLI's `facetrail enroll`.
 */
export const PHOTO_EXTENSIONS: ReadonlySet<string> = new Set(['.jpg', '.jpeg', '.png', '.webp']);

export interface KnownPhoto {
  personName: string;
  /** Absolute path. */
  file: string;
  /** Path relative to the folder, with forward slashes: stored as the photo's image_name. */
  imageName: string;
}

export interface KnownPhotoListing {
  photos: KnownPhoto[];
  /** Entries that are neither photos nor person folders (or nested too deep), relative paths. */
  ignored: string[];
}

export function isPhotoFile(name: string): boolean {
  return !name.startsWith('.') && PHOTO_EXTENSIONS.has(path.extname(name).toLowerCase());
}

/**
 * The person a seed-style flat file names: the file name without its extension and without
 * a trailing `_<digits>` (`hannibal_1.jpg`, `gergely_01.jpg`), kept as written except that
 * the first letter is capitalised (`hannibal` → `Hannibal`, `mary_jane_2.jpg` → `Mary_jane`).
 * Undefined when nothing is left of the name.
 */
export function personNameFromFlatFile(fileName: string): string | undefined {
  const stem = path.basename(fileName, path.extname(fileName));
  const name = stem.replace(/_\d+$/, '').trim();
  if (name === '') return undefined;
  return name.charAt(0).toLocaleUpperCase() + name.slice(1);
}

/**
 * Lists the photos of a known-people folder in both layouts, sorted:
 * `<dir>/<Person Name>/<any>.jpg` (the folder name, exactly as written, is the person) and
 * seed-style flat files `<dir>/<name>_<n>.jpg` (see personNameFromFlatFile).
 */
export async function listKnownPhotos(dir: string): Promise<KnownPhotoListing> {
  const photos: KnownPhoto[] = [];
  const ignored: string[] = [];
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  );
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const personName = entry.name.trim();
      const inner = (await readdir(full, { withFileTypes: true })).sort((a, b) =>
        a.name.localeCompare(b.name),
      );
      for (const file of inner) {
        if (file.name.startsWith('.')) continue;
        if (
          (file.isFile() || file.isSymbolicLink()) &&
          isPhotoFile(file.name) &&
          personName !== ''
        ) {
          photos.push({
            personName,
            file: path.join(full, file.name),
            imageName: `${entry.name}/${file.name}`,
          });
        } else {
          ignored.push(`${entry.name}/${file.name}`);
        }
      }
    } else if ((entry.isFile() || entry.isSymbolicLink()) && isPhotoFile(entry.name)) {
      const personName = personNameFromFlatFile(entry.name);
      if (personName) photos.push({ personName, file: full, imageName: entry.name });
      else ignored.push(entry.name);
    } else {
      ignored.push(entry.name);
    }
  }
  return { photos, ignored };
}
