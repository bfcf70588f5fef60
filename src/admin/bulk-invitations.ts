import { TypeCompiler } from '@sinclair/typebox/compiler'
import type { Options } from 'csv-parse'
import { parse } from 'csv-parse/sync'
import { schemaProblem } from '../core/validation-messages.ts'
import type { BulkInvitation, BulkRole, RowProblem } from '../modules/credentials/invitations.service.ts'
import { AdminError, bulkRefusal } from './admin-errors.ts'
import { InvitationRequest } from './admin.schema.ts'

/** The most platforms one bulk invitation creates, and the most CSV rows it reads. */
export const BULK_MAX_PLATFORMS = 1_000
export const BULK_MAX_CSV_ROWS = 10_000

const CSV_COLUMNS = ['name', 'role', 'country_code', 'party_id'] as const
const CSV_OPTIONAL_COLUMN = 'expires_in_hours'

const checkInvitation = TypeCompiler.Compile(InvitationRequest)

function invitationProblem(value: unknown): string | undefined {
  return schemaProblem(checkInvitation, value, 'body')
}

function refuseTooMany(count: number): void {
  if (count > BULK_MAX_PLATFORMS)
    throw new AdminError(
      'ADMIN_INVALID_REQUEST',
      `${count} platforms in one bulk invitation; at most ${BULK_MAX_PLATFORMS}`,
    )
}

/**
 * A JSON bulk invitation: a list of the objects POST /admin/invitations takes, or `{"invitations": [...]}`.
 * Each is one platform; its row is its position in the list, from 1.
 */
export function bulkFromJson(body: unknown): BulkInvitation[] {
  const list =
    typeof body === 'object' && body !== null && !Array.isArray(body) && 'invitations' in body
      ? body.invitations
      : body
  if (!Array.isArray(list) || list.length === 0)
    throw new AdminError(
      'ADMIN_INVALID_REQUEST',
      'body: expected a non-empty list of invitations, or {"invitations": [...]}',
    )
  refuseTooMany(list.length)
  const problems: RowProblem[] = []
  const invitations = list.flatMap((item: unknown, index): BulkInvitation[] => {
    const row = index + 1
    const problem = invitationProblem(item)
    if (problem) {
      problems.push({ row, reason: problem })
      return []
    }
    const invitation = item as InvitationRequest
    return [
      {
        name: invitation.name,
        roles: invitation.roles.map((role) => ({ ...role, row })),
        expiresInHours: invitation.expires_in_hours,
      },
    ]
  })
  if (problems.length > 0) throw bulkRefusal(problems)
  return invitations
}

/**
 * RFC 4180 records (csv-parse). Rows of different lengths are kept for the row checks to name them, blank
 * lines are kept so that row numbers stay line numbers, and a file may end its lines as any editor does.
 */
const CSV_OPTIONS: Options = {
  bom: true,
  relax_column_count: true,
  skip_empty_lines: false,
  record_delimiter: ['\r\n', '\n', '\r'],
}

function parseCsv(text: string): string[][] {
  try {
    return parse(text, CSV_OPTIONS)
  } catch (error) {
    throw new AdminError(
      'ADMIN_INVALID_REQUEST',
      `CSV: ${error instanceof Error ? error.message : String(error)}`,
    )
  }
}

/** The rows of one name so far, with the first row giving each expires_in_hours seen. */
interface CsvPlatform {
  readonly name: string
  readonly roles: BulkRole[]
  readonly hours: Map<number | undefined, number>
}

/**
 * A CSV bulk invitation: a header row naming the columns `name,role,country_code,party_id` and optionally
 * `expires_in_hours`, in any order; then one row per role. Rows with the same name make one platform
 * with several roles. Rows are counted as lines of the file, the header being row 1; blank lines are
 * skipped.
 */
export function bulkFromCsv(text: string): BulkInvitation[] {
  const [header, ...rows] = parseCsv(text)
  const columns = (header ?? []).map((column) => column.trim().toLowerCase())
  const missing = CSV_COLUMNS.filter((column) => !columns.includes(column))
  if (missing.length > 0)
    throw new AdminError(
      'ADMIN_INVALID_REQUEST',
      `CSV: the header row must name the columns ${CSV_COLUMNS.join(',')}[,${CSV_OPTIONAL_COLUMN}]; missing: ${missing.join(', ')}`,
    )
  const unknown = columns.filter(
    (column) => !(CSV_COLUMNS as readonly string[]).includes(column) && column !== CSV_OPTIONAL_COLUMN,
  )
  if (unknown.length > 0)
    throw new AdminError('ADMIN_INVALID_REQUEST', `CSV: unknown column(s) ${unknown.join(', ')}`)
  if (rows.length > BULK_MAX_CSV_ROWS)
    throw new AdminError('ADMIN_INVALID_REQUEST', `CSV: ${rows.length} rows; at most ${BULK_MAX_CSV_ROWS}`)
  const problems: RowProblem[] = []
  const byName = new Map<string, CsvPlatform>()
  rows.forEach((cells, index) => {
    const row = index + 2
    if (cells.every((cell) => cell.trim() === '')) return
    if (cells.length !== columns.length) {
      problems.push({ row, reason: `${cells.length} fields; the header has ${columns.length}` })
      return
    }
    const value = (column: string) => cells[columns.indexOf(column)]?.trim() ?? ''
    const hoursText = columns.includes(CSV_OPTIONAL_COLUMN) ? value(CSV_OPTIONAL_COLUMN) : ''
    const hours =
      hoursText === '' ? undefined : /^[0-9]{1,4}(\.[0-9]{1,6})?$/.test(hoursText) ? Number(hoursText) : NaN
    const role = { role: value('role'), country_code: value('country_code'), party_id: value('party_id') }
    const candidate = {
      name: value('name'),
      roles: [role],
      ...(hours === undefined ? {} : { expires_in_hours: hours }),
    }
    const problem = Number.isNaN(hours)
      ? 'expires_in_hours: must be a number of hours'
      : invitationProblem(candidate)?.replace('roles[0].', '')
    if (problem) {
      problems.push({ row, reason: problem })
      return
    }
    const entry: CsvPlatform = byName.get(candidate.name) ?? {
      name: candidate.name,
      roles: [],
      hours: new Map(),
    }
    byName.set(candidate.name, entry)
    entry.roles.push({ ...role, row })
    if (!entry.hours.has(hours)) entry.hours.set(hours, row)
  })
  for (const entry of byName.values()) {
    if (entry.hours.size > 1)
      problems.push({
        row: [...entry.hours.values()][1]!,
        reason: `name ${entry.name}: rows of one platform give different expires_in_hours`,
      })
  }
  if (problems.length > 0) throw bulkRefusal(problems)
  if (byName.size === 0)
    throw new AdminError('ADMIN_INVALID_REQUEST', 'CSV: no invitation rows after the header')
  refuseTooMany(byName.size)
  return [...byName.values()].map((entry) => ({
    name: entry.name,
    roles: entry.roles,
    expiresInHours: [...entry.hours.keys()][0],
  }))
}
