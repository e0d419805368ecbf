// Public surface of the Open Humans client.
export {
  OpenHumansClient,
  type DeleteTarget,
  type OhFile,
  type OhMember,
  type OhTokens,
  type OpenHumansClientOptions,
  type UploadFileParams,
} from './client.ts';
