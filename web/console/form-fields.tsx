import type { PartyRef } from './hub-types.ts'

/** `NL*ABC` or `NL-ABC`, as an operator types a party. */
export const PARTY_TEXT = /^[A-Za-z]{2}[*-][A-Za-z0-9]{3}$/

/** The party typed, or undefined while it is not one yet. */
export function partyOf(text: string): PartyRef | undefined {
  if (!PARTY_TEXT.test(text)) return undefined
  return { country_code: text.slice(0, 2).toUpperCase(), party_id: text.slice(3).toUpperCase() }
}

/**
 * A party's input (`NL*ABC`), upper-cased as it is typed and marked invalid while it is not a party.
 * `suggestions` names a datalist of the parties the hub knows.
 */
export function PartyField(props: {
  label: string
  value: string
  onInput: (value: string) => void
  required?: boolean
  suggestions?: string
}) {
  const { label, value, onInput, required, suggestions } = props
  return (
    <label>
      {label}
      <input
        placeholder="NL*ABC"
        size={8}
        required={required}
        list={suggestions}
        value={value}
        aria-invalid={value !== '' && !PARTY_TEXT.test(value)}
        onInput={(event) => onInput(event.currentTarget.value.toUpperCase())}
      />
    </label>
  )
}

/** A day of a date input as the start of that day in UTC, or undefined when none is chosen. */
export const dayStart = (day: string): string | undefined => (day ? `${day}T00:00:00Z` : undefined)
