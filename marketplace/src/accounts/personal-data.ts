/**
 * A part's share of a member's personal data (GDPR articles 15, 17 and 20): what the export shows, and how
 * deleting the account erases it. A part that keeps records invoice law requires (CDRs, charges) does not
 * delete them: it removes what names the person and keeps them under the member's id, a random UUID that
 * nothing links to a person any more once the account is deleted (docs/marketplace.md, "Accounts").
 */
export interface PersonalDataPart {
  /** The key of this part in the export. */
  readonly name: string
  exportOf(memberId: string): Promise<unknown>
  /** Erases the member's data of this part; may run again for the same member (a deletion retried). */
  erase(memberId: string): Promise<void>
}

/** Every part's personal data, each registered in app.ts: one export, one erasure. */
export class PersonalData {
  readonly #parts: PersonalDataPart[] = []

  register(part: PersonalDataPart): void {
    this.#parts.push(part)
  }

  async exportOf(memberId: string): Promise<Record<string, unknown>> {
    const parts: Record<string, unknown> = {}
    for (const part of this.#parts) parts[part.name] = await part.exportOf(memberId)
    return parts
  }

  async erase(memberId: string): Promise<void> {
    for (const part of this.#parts) await part.erase(memberId)
  }
}
