export type ReceiptStoreErrorCode =
  | 'schema_too_new'
  | 'schema_unknown'
  | 'not_found'
  | 'ambiguous'
  | 'invalid'
  | 'busy'
  | 'key'
  | 'tampered';

/** An expected failure of the receipt store, with a message fit to show a person. */
export class ReceiptStoreError extends Error {
  readonly code: ReceiptStoreErrorCode;
  /** for `ambiguous`: the ids that matched */
  readonly candidates?: string[];
  constructor(code: ReceiptStoreErrorCode, message: string, candidates?: string[]) {
    super(message);
    this.name = 'ReceiptStoreError';
    this.code = code;
    if (candidates) this.candidates = candidates;
  }
}
