export {
  toServiceError,
  errorCodeOf,
  isServiceError,
  ERROR_CODE_METADATA_KEY,
  CURRENT_ROUND_METADATA_KEY,
} from './service-error.js';
