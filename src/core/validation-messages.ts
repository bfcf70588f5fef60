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
  const allowed = Array.isArray(issue.params['allowedValues'])
    ? ` (${issue.params['allowedValues'].join(', ')})`
    : ''
  return `${where}${path || 'body'}: ${message}${allowed}`
}
