// What an uploaded archive may ask of us. A real five-year export with track points is a few hundred MB
// unpacked, compresses about 10–30× and holds tens of thousands of entries; everything past these bounds is
// refused before it is unpacked (zip bombs, absurd nesting) or while it is read (JSON nesting, huge days).

export interface ArchiveLimits {
  /** Zips inside zips: moves_export.zip › json.zip is the export's own depth. */
  maxZipDepth: number;
  /** Entries in all the archive's zip directories together, nested zips' included. */
  maxEntries: number;
  /** Uncompressed bytes we would unpack in total (storyline files and nested zips), as the directories declare. */
  maxUncompressedBytes: number;
  /** Uncompressed ÷ compressed size of one entry (checked for entries above 1 MiB unpacked). */
  maxRatio: number;
  /** Arrays and objects inside one day. A Moves day needs 6. */
  maxJsonDepth: number;
  /** One day's JSON text. A busy day with track points is well under 1 MB. */
  maxDayBytes: number;
}

export const DEFAULT_LIMITS: ArchiveLimits = {
  maxZipDepth: 2,
  maxEntries: 200_000,
  maxUncompressedBytes: 8 * 1024 ** 3,
  maxRatio: 200,
  maxJsonDepth: 32,
  maxDayBytes: 32 * 1024 ** 2,
};

/** Entries this small are never a bomb, whatever their ratio. */
export const RATIO_FLOOR_BYTES = 1024 ** 2;
