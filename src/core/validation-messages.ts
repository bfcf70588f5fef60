/** One schema failure as Ajv (and Fastify) report it. */
export interface ValidationIssue {
  instancePath: string
  message?: string | undefined
  params: Record<string, unknown>
}

/** `evses[0].connectors[0].standard` from Ajv's `/evses/0/connectors/0/standard`. */
function fieldPath(instancePath: string, missingProperty: unknown): string {
  const segments = instancePath.split('/').filter(Boolean)
  if (typeof missingProperty === 'string') segments.push(missingProperty)
  return segments.reduce(
    (path, segment) =>
      /^\d+$/.test(segment) ? `${path}[${segment}]` : path ? `${path}.${segment}` : segment,
    '',
  )
}

/** One readable line per schema failure, naming the field, for `status_message`. */
export function describeValidation(issues: readonly ValidationIssue[], context: string | undefined): string {
  const issue = issues[0]
  if (!issue) return 'Invalid request'
  const path = fieldPath(issue.instancePath, issue.params['missingProperty'])
  const where = context && context !== 'body' ? `${context} ` : ''
  const message = issue.params['missingProperty'] ? 'is required' : (issue.message ?? 'is invalid')
  const extra = issue.params['additionalProperty']
  const allowed = Array.isArray(issue.params['allowedValues'])
    ? ` (${issue.params['allowedValues'].join(', ')})`
    : typeof extra === 'string'
      ? ` (${extra})`
      : ''
  return `${where}${path || 'body'}: ${message}${allowed}`
}

/** Why `value` fails a compiled TypeBox check, in the words of `describeValidation`; undefined when it passes. */
export function schemaProblem(check: SchemaCheck, value: unknown, context: string): string | undefined {
  if (check.Check(value)) return undefined
  const issues = [...check.Errors(value)].map((e) => ({
    instancePath: e.path,
    message: e.message,
    params: {},
  }))
  return describeValidation(issues, context)
}

/** What schemaProblem needs of a compiled TypeBox check (TypeCompiler.Compile). */
export interface SchemaCheck {
  Check(value: unknown): boolean
  Errors(value: unknown): Iterable<{ readonly path: string; readonly message: string }>
}
