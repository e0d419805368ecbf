// Account-level errors (no upstream involved).
export class AccountNotFoundError extends Error {
  override name = 'AccountNotFoundError';
  constructor(what: 'member' | 'Moves account', memberId: number) {
    super(`no ${what} with member id ${memberId}`);
  }
}
