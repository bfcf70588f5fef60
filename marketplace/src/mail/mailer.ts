import { randomUUID } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import nodemailer from 'nodemailer'

/** One plain-text mail to one member. */
export interface Mail {
  readonly to: string
  readonly subject: string
  readonly text: string
}

export interface Mailer {
  send(mail: Mail): Promise<void>
}

/**
 * Mails through nodemailer: over SMTP when `smtpUrl` is set; otherwise each mail is written whole
 * (RFC 5322, as it would travel) to `outbox` as `<time>-<id>.eml`, for development and tests.
 */
export function createMailer(options: {
  readonly smtpUrl: string | undefined
  readonly outbox: string
  readonly from: string
}): Mailer {
  if (options.smtpUrl) {
    const transport = nodemailer.createTransport(options.smtpUrl)
    return {
      async send(mail) {
        await transport.sendMail({ from: options.from, ...mail })
      },
    }
  }
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' })
  return {
    async send(mail) {
      const sent = await transport.sendMail({ from: options.from, ...mail })
      await mkdir(options.outbox, { recursive: true })
      await writeFile(join(options.outbox, `${Date.now()}-${randomUUID()}.eml`), sent.message)
    },
  }
}
