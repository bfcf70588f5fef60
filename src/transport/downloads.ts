import type { FastifyReply } from 'fastify'

/** A document in the format a request asked for: JSON as given, or CSV or PDF as an attachment. */
export async function sendDocument(
  reply: FastifyReply,
  format: 'json' | 'csv' | 'pdf' | undefined,
  name: string,
  document: { json: unknown; csv: () => string; pdf: () => Promise<Buffer> },
): Promise<unknown> {
  if (format === 'csv') {
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${name}.csv"`)
      .send(document.csv())
  }
  if (format === 'pdf') {
    return reply
      .type('application/pdf')
      .header('content-disposition', `attachment; filename="${name}.pdf"`)
      .send(await document.pdf())
  }
  return document.json
}
