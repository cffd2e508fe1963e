// Case folding for SEARCH (RFC 9051 §6.4.4: case-insensitive substring matching), shared by
// the JS checks and the SQL function of that name registered on every connection that searches.

export const FOLD_FN = 'mailhaven_fold';

/** Unicode lower case: what "case-insensitive" means for SEARCH strings here. */
export const fold = (s: string): string => s.toLowerCase();
