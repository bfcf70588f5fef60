/** The text a PDFKit page shows: its TJ arrays' hex strings decoded and joined. */
export function pdfText(pdf: Buffer): string {
  const source = pdf.toString('latin1')
  const pieces: string[] = []
  for (const [, array] of source.matchAll(/\[([^\]]*)\]\s*TJ/g)) {
    pieces.push(
      [...array!.matchAll(/<([0-9a-fA-F]*)>/g)]
        .map(([, hex]) => Buffer.from(hex!, 'hex').toString('latin1'))
        .join(''),
    )
  }
  return pieces.join('\n')
}
