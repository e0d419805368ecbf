// Importing Moves export archives (`oh-moves import-archive`).
export { ArchiveError, openArchive, type ArchiveItem, type OpenedArchive } from './archive-reader.ts';
export {
  formatArchiveReport,
  importArchive,
  UnknownMemberError,
  type ArchiveImportReport,
  type SkippedEntry,
} from './import-archive.ts';
