// Importing Moves export archives: uploads on the website (run in the member's job) and `oh-moves import-archive`.
export { ArchiveError, openArchive, type ArchiveItem, type OpenedArchive } from './archive-reader.ts';
export {
  formatArchiveReport,
  importArchive,
  importArchiveFile,
  ImportInterruptedError,
  UnknownMemberError,
  type ArchiveImportReport,
  type ImportReport,
  type SkippedEntry,
} from './import-archive.ts';
