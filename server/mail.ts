/**
 * Outgoing mail: a `Mailer` sends one composed message. `SmtpMailer` hands it
 * to an SMTP server (nodemailer) given as a URL, `smtp://user:pass@host:587`
 * (STARTTLS when the server offers it) or `smtps://…:465` (TLS from the
 * start). Used by invitations (server/invitations.ts) when
 * INVITATION_MAIL=smtp; what a message says is its sender's business.
 *
 * A send gives up after the timeouts below rather than nodemailer's defaults
 * (minutes), so a stalled server holds nothing for long.
 */
import nodemailer, { type Transporter } from 'nodemailer'

export interface MailMessage {
  to: string
  subject: string
  text: string
  html: string
}

export interface Mailer {
  /** Resolves once the server accepted the message; rejects with why not. */
  send(message: MailMessage): Promise<void>
  close(): void
}

export interface SmtpConfig {
  /** `smtp://` or `smtps://`, credentials percent-encoded in it. */
  url: string
  /** The From header, e.g. `Colist <no-reply@lists.example.com>`. */
  from: string
}

const CONNECTION_TIMEOUT_MS = 10_000
const GREETING_TIMEOUT_MS = 10_000
const SOCKET_TIMEOUT_MS = 30_000

export class SmtpMailer implements Mailer {
  private readonly transport: Transporter

  constructor(config: SmtpConfig) {
    this.transport = nodemailer.createTransport(
      { url: config.url, connectionTimeout: CONNECTION_TIMEOUT_MS, greetingTimeout: GREETING_TIMEOUT_MS, socketTimeout: SOCKET_TIMEOUT_MS },
      { from: config.from },
    )
  }

  async send(message: MailMessage): Promise<void> {
    await this.transport.sendMail(message)
  }

  close(): void {
    this.transport.close()
  }
}

/**
 * What of a failed send is safe to log: the error's kind and the server's answer, never the
 * message (it carries an invitation's link) nor the transport's options (SMTP_URL's password).
 */
export function mailError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err) }
  const { code, command, responseCode } = err as Error & { code?: unknown; command?: unknown; responseCode?: unknown }
  return { name: err.name, message: err.message, code, command, responseCode }
}
